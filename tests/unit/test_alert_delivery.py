"""Delivering notifications: retry with backoff, giving up, and every state in the delivery log."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from hub.alerts.delivery import Backoff, DeliveryManager
from hub.alerts.escalation import EscalationPolicy
from hub.alerts.model import Severity
from hub.alerts.notify import DeliveryError, Notification
from hub.alerts.render import Renderer
from hub.alerts.store import Delivery, DeliveryStatus
from tests.alert_support import FakeClock, make_book, signal, town_with

FAST = Backoff(first_s=0.01, factor=2.0, max_s=0.05, attempts=4)
PENDING, SENT, FAILED = DeliveryStatus.PENDING, DeliveryStatus.SENT, DeliveryStatus.FAILED


class FlakyNotifier:
    """A channel that fails its first *failures* sends."""

    def __init__(self, name: str = "robot", failures: int = 0, retryable: bool = True,
                 error: type[Exception] = DeliveryError) -> None:
        self.name = name
        self.failures = failures
        self.retryable = retryable
        self.error = error
        self.attempts = 0
        self.sent: list[Notification] = []
        self.closed = False

    def accepts(self, notification: Notification) -> bool:
        return notification.alert.grid is not None

    def target(self, notification: Notification) -> str:
        return f"wecom:{notification.alert.grid}"

    async def send(self, notification: Notification) -> None:
        self.attempts += 1
        if self.attempts <= self.failures:
            if self.error is DeliveryError:
                raise DeliveryError(f"HTTP 503 #{self.attempts}", retryable=self.retryable)
            raise self.error("connection reset")
        self.sent.append(notification)

    async def aclose(self) -> None:
        self.closed = True


class Log:
    """The delivery log: every state persisted, and a way to wait for the final one."""

    def __init__(self) -> None:
        self.states: list[Delivery] = []
        self._changed = asyncio.Event()

    def __call__(self, delivery: Delivery) -> None:
        self.states.append(delivery)
        self._changed.set()

    async def wait(self, states: int = 1, final: int = 1) -> None:
        """Until *states* states are logged and *final* deliveries are sent or given up (5 s at most)."""
        async with asyncio.timeout(5):
            while len(self.states) < states or sum(d.status is not PENDING for d in self.states) < final:
                self._changed.clear()
                await self._changed.wait()

    async def final(self) -> Delivery:
        await self.wait()
        return self.states[-1]

    def trail(self) -> list[tuple[DeliveryStatus, int, str]]:
        return [(d.status, d.attempts, d.error) for d in self.states]


def notification(source: str = "RS01", device: str | None = None) -> Notification:
    town = town_with()
    book = make_book(town, FakeClock())
    (event,) = book.apply(signal("river-level", source, Severity.ORANGE, device=device or source))
    (note,) = Renderer(town, EscalationPolicy(town, town.alerts)).notifications(event)
    return note


def manager(*notifiers: FlakyNotifier, log: Log, backoff: Backoff = FAST) -> DeliveryManager:
    return DeliveryManager(list(notifiers), log, FakeClock(), backoff)


def test_backoff_doubles_up_to_its_cap() -> None:
    backoff = Backoff(first_s=2.0, factor=2.0, max_s=10.0)
    assert [backoff.delay(n) for n in range(1, 6)] == [2.0, 4.0, 8.0, 10.0, 10.0]


async def test_a_delivery_is_logged_pending_then_sent() -> None:
    log, robot = Log(), FlakyNotifier()
    delivery = manager(robot, log=log)
    delivery.submit(notification(), seq=7)
    final = await log.final()
    assert log.trail() == [(PENDING, 0, ""), (SENT, 1, "")]
    assert (final.alert_id, final.seq, final.notifier, final.target, final.level.value) == (
        1, 7, "robot", "wecom:G19", "grid_worker")
    assert len({d.id for d in log.states}) == 1
    assert len(robot.sent) == 1 and delivery.sent == 1


async def test_retries_with_backoff_until_the_receiver_recovers() -> None:
    log, robot = Log(), FlakyNotifier(failures=2)
    delivery = manager(robot, log=log)
    delivery.submit(notification(), seq=1)
    await log.final()
    assert log.trail() == [(PENDING, 0, ""), (PENDING, 1, "HTTP 503 #1"), (PENDING, 2, "HTTP 503 #2"), (SENT, 3, "")]
    created = log.states[0].created_at
    assert [d.next_attempt_at for d in log.states] == [created, created + 0.01, created + 0.02, None]
    assert robot.attempts == 3 and (delivery.sent, delivery.failed) == (1, 0)


async def test_a_refusal_that_is_not_retryable_gives_up_at_once() -> None:
    log, robot = Log(), FlakyNotifier(failures=1, retryable=False)
    delivery = manager(robot, log=log)
    delivery.submit(notification(), seq=1)
    final = await log.final()
    assert log.trail() == [(PENDING, 0, ""), (FAILED, 1, "HTTP 503 #1")]
    assert final.next_attempt_at is None
    assert robot.attempts == 1 and (delivery.sent, delivery.failed) == (0, 1)


async def test_gives_up_after_the_attempt_limit() -> None:
    log, robot = Log(), FlakyNotifier(failures=99)
    delivery = manager(robot, log=log)
    delivery.submit(notification(), seq=1)
    await log.final()
    assert [(s, n) for s, n, _ in log.trail()] == [(PENDING, 0), (PENDING, 1), (PENDING, 2), (PENDING, 3), (FAILED, 4)]
    assert robot.attempts == FAST.attempts == 4 and delivery.failed == 1


async def test_a_channels_own_bug_is_retried_like_a_failure(caplog: pytest.LogCaptureFixture) -> None:
    log, robot = Log(), FlakyNotifier(failures=1, error=RuntimeError)
    manager(robot, log=log).submit(notification(), seq=1)
    await log.final()
    assert log.trail() == [(PENDING, 0, ""), (PENDING, 1, "RuntimeError: connection reset"), (SENT, 2, "")]
    assert "notifier robot failed on alert 1" in caplog.text


async def test_each_accepting_channel_gets_its_own_delivery() -> None:
    log = Log()
    robot, sms = FlakyNotifier("robot"), FlakyNotifier("sms", failures=1)
    manager(robot, sms, log=log).submit(notification(), seq=3)
    await log.wait(final=2)
    assert {d.notifier for d in log.states if d.status is SENT} == {"robot", "sms"}
    assert len({d.id for d in log.states}) == 2


async def test_a_channel_that_does_not_accept_logs_nothing() -> None:
    log, robot = Log(), FlakyNotifier()
    manager(robot, log=log).submit(notification("basin:upper", device=""), seq=1)
    assert log.states == [] and robot.attempts == 0


async def test_a_resumed_delivery_counts_on_from_its_attempts() -> None:
    log, robot = Log(), FlakyNotifier(failures=99)
    note = notification()
    left = Delivery("d1", 1, 5, note.action, note.level, "robot", "wecom:G19", PENDING, 2, 100.0, 100.0,
                    next_attempt_at=None, error="HTTP 503")
    manager(robot, log=log).resume(left, note)
    await log.final()
    assert log.trail() == [(PENDING, 2, "HTTP 503"), (PENDING, 3, "HTTP 503 #1"), (FAILED, 4, "HTTP 503 #2")]


async def test_a_resumed_delivery_to_a_removed_channel_fails() -> None:
    log = Log()
    note = notification()
    left = Delivery("d1", 1, 5, note.action, note.level, "old-robot", "wecom:G19", PENDING, 1, 100.0, 100.0)
    manager(FlakyNotifier(), log=log).resume(left, note)
    final = await log.final()
    assert (final.status, final.error, final.next_attempt_at) == (FAILED, "channel no longer configured", None)
    assert replace(final, status=PENDING, error="", updated_at=100.0) == left


async def test_closing_stops_retries_and_closes_the_channels() -> None:
    log, robot = Log(), FlakyNotifier(failures=99)
    slow = Backoff(first_s=60.0, max_s=60.0)
    delivery = manager(robot, log=log, backoff=slow)
    delivery.submit(notification(), seq=1)
    await log.wait(states=2, final=0)
    await delivery.aclose()
    assert robot.closed and robot.attempts == 1
    assert log.trail()[-1][0] is PENDING, "left pending, to be resumed after the restart"
