"""Sending grid notices: each delivery to its grid's robot, at the robot's pace, retried with the alerts' backoff.

Every attempt's outcome is stored before the next, so the log shows where each delivery stands and a restart
resumes only what was not yet answered ok.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable

from hub.alerts.delivery import Backoff
from hub.alerts.notify import DeliveryError
from hub.gridwork.notice_config import RobotPace
from hub.gridwork.notices import Delivery, Notice, NoticeStore, Robot, Status, robot_message
from hub.tasks import TaskSet

log = logging.getLogger(__name__)


class Pacer:
    """At most *messages* sends to one robot in any *window_s*: past that, the next send waits (WeChat Work
    answers errcode 45009 instead). One robot's sends go one at a time, each counted from its answer, so the
    robot, which counts them on arrival, never sees more in its window. Loop only."""

    def __init__(self, pace: RobotPace, clock: Callable[[], float] = time.monotonic) -> None:
        self._pace = pace
        self._clock = clock
        self._sent: dict[str, collections.deque[float]] = collections.defaultdict(collections.deque)
        self._locks: dict[str, asyncio.Lock] = collections.defaultdict(asyncio.Lock)

    @contextlib.asynccontextmanager
    async def turn(self, robot: str) -> AsyncIterator[None]:
        """Enter when a message to *robot* may go; the send made inside counts against its window."""
        async with self._locks[robot]:
            await self._room(self._sent[robot])
            try:
                yield
            finally:
                self._sent[robot].append(self._clock())

    async def _room(self, sent: collections.deque[float]) -> None:
        while True:
            now = self._clock()
            while sent and now - sent[0] >= self._pace.window_s:
                sent.popleft()
            if len(sent) < self._pace.messages:
                return
            await asyncio.sleep(self._pace.window_s - (now - sent[0]))


class NoticeSender:
    """Sends stored deliveries through the robots of their grids. Loop only."""

    def __init__(self, store: NoticeStore, robot: Robot, keys: dict[str, str], pace: RobotPace,
                 backoff: Backoff, clock: Callable[[], float]) -> None:
        self.keys = keys  # grid → its robot's key: secrets, never logged nor shown
        self._store = store
        self._robot = robot
        self._pacer = Pacer(pace)
        self._backoff = backoff
        self._clock = clock
        self._tasks = TaskSet()

    def target(self, grid: str) -> str:
        key = self.keys.get(grid)
        return self._robot.target(key) if key else "未配置群机器人"

    def launch(self, deliveries: list[Delivery], notice: Notice) -> None:
        """Start sending deliveries that are stored as pending."""
        for delivery in deliveries:
            if delivery.status is Status.pending:
                self._tasks.spawn(self._deliver(delivery, notice), name=f"notice-{delivery.id}")

    async def resume(self) -> int:
        """Carry on with the deliveries a previous run left pending; how many."""
        pending = await asyncio.to_thread(self._store.pending)
        for delivery, notice in pending:
            self.launch([delivery], notice)
        return len(pending)

    async def _deliver(self, delivery: Delivery, notice: Notice) -> None:
        message = robot_message(notice)
        wait = min(self._backoff.max_s, max(0.0, (delivery.next_attempt_at or 0.0) - self._clock()))
        while delivery.status is Status.pending:
            if wait > 0:
                await asyncio.sleep(wait)
            delivery = await self._attempt(delivery, message)
            await asyncio.to_thread(self._store.save_delivery, delivery)
            wait = self._backoff.delay(delivery.attempts)
        if delivery.status is Status.failed:
            log.warning("gave up sending notice %d to grid %s: %s", notice.id, delivery.grid, delivery.error)

    async def _attempt(self, delivery: Delivery, message: dict[str, object]) -> Delivery:
        key = self.keys.get(delivery.grid)
        if key is None:  # its robot was taken out of the configuration since
            return delivery.failed_attempt(self._clock(), "未配置群机器人", None)
        try:
            async with self._pacer.turn(key):
                await self._robot.send(key, message, delivery.id)
        except DeliveryError as exc:
            return self._failed(delivery, exc.reason, exc.retryable)
        except Exception as exc:  # a bug in the edge must not stop other deliveries; logged, retried
            log.exception("sending notice delivery %s failed", delivery.id)
            return self._failed(delivery, f"{type(exc).__name__}: {exc}", True)
        return delivery.delivered(self._clock())

    def _failed(self, delivery: Delivery, reason: str, retryable: bool) -> Delivery:
        again = retryable and delivery.attempts + 1 < self._backoff.attempts
        return delivery.failed_attempt(self._clock(), reason,
                                       self._backoff.delay(delivery.attempts + 1) if again else None)

    async def stop(self) -> None:
        """Stop sending; what is pending stays so in the store, for the next start."""
        await self._tasks.cancel()
        await self._robot.aclose()
