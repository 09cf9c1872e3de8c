"""What the hub publishes on one gmqtt client goes through one bounded queue, with a bounded window in flight.

gmqtt publishes at once and raises ("All ids has already used") when more QoS 1
messages await their PUBACK than the broker's Receive Maximum allows (Mosquitto:
20): a burst, such as every camera going offline together, then loses messages.
Here a message leaves the queue only when fewer than `window` are unacknowledged
and the client is connected; one the broker never acknowledged because the
connection dropped and the session with it goes to the front again, so a message
accepted into the queue is published at least once. The queue itself holds at
most `capacity`: past that a new message is refused, counted and logged, which
its callers may allow because what they publish is already in the hub's store
and on its bus (see README, "Delivery guarantees").
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from gmqtt import Client
from gmqtt.storage import PersistentStorage

from hub.metrics import HubMetrics
from hub.tasks import TaskSet

log = logging.getLogger(__name__)
# Below Mosquitto's default Receive Maximum (20) and EMQX's (32), leaving ids for subscriptions on the same client.
WINDOW = 10
CAPACITY = 10_000
RETRY_S = 0.1  # how long the queue waits after gmqtt refused a publish (no id free, connection closing)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message to publish."""

    topic: str
    payload: bytes
    qos: int = 1
    retain: bool = False


@dataclass(slots=True)
class _Pending:
    message: Outgoing
    number: int  # the order it was offered in, kept when it has to go again
    acked: asyncio.Future[bool] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class AckedStorage(PersistentStorage):  # type: ignore[misc]
    """gmqtt's store of unacknowledged QoS>0 publishes, which also says when each is acknowledged.

    gmqtt's publish() returns nothing: it stores the packet here under its packet
    id right after writing it, removes it on PUBACK (PUBCOMP for QoS 2), and clears
    the store when the broker has lost the session (those will never be acknowledged).
    """

    def __init__(self) -> None:
        super().__init__()
        self._waiting: dict[int, asyncio.Future[bool]] = {}
        self.latest: asyncio.Future[bool] | None = None

    def push_message(self, mid: int, raw_package: bytes) -> None:
        super().push_message(mid, raw_package)
        if mid not in self._waiting:  # QoS 2 swaps the PUBLISH for its PUBREL under the same id
            self._waiting[mid] = asyncio.get_running_loop().create_future()
        self.latest = self._waiting[mid]

    def remove_message_by_mid(self, mid: int) -> None:
        super().remove_message_by_mid(mid)
        _settle(self._waiting.pop(mid, None), True)

    def clear(self) -> None:
        super().clear()
        for future in self._waiting.values():
            _settle(future, False)
        self._waiting.clear()


def _settle(future: asyncio.Future[bool] | None, value: bool) -> None:
    if future is not None and not future.done():
        future.set_result(value)


class OutgoingQueue:
    """The only way the hub's code publishes on *client* (which must store its publishes in *acks*); loop only."""

    def __init__(self, client: Client, acks: AckedStorage, name: str, metrics: HubMetrics | None = None,
                 window: int = WINDOW, capacity: int = CAPACITY) -> None:
        self._client, self._acks, self.name, self._metrics = client, acks, name, metrics
        self._window, self._capacity = window, capacity
        self._waiting: deque[_Pending] = deque()
        self._in_flight = 0
        self._numbers = itertools.count()
        self._changed = asyncio.Event()
        self._tasks = TaskSet()
        self.sent = 0
        self.refused = 0  # offered while the queue was full: counted and logged, never published
        if metrics is not None:
            metrics.watch_queue(f"mqtt-out-{name}", lambda: float(self.backlog))

    def offer(self, message: Outgoing) -> asyncio.Future[bool] | None:
        """Queue *message*; its future is True once the broker acknowledged it. None (counted, logged) when full."""
        if len(self._waiting) >= self._capacity:
            self.refused += 1
            if self._metrics is not None:
                self._metrics.mqtt_out_refused.labels(self.name).inc()
            if self.refused == 1 or self.refused % 1000 == 0:
                log.warning("mqtt out %s: %d messages waiting, the broker is away or slow; %s refused "
                            "(%d so far)", self.name, len(self._waiting), message.topic, self.refused)
            return None
        pending = _Pending(message, next(self._numbers))
        self._waiting.append(pending)
        self._notify()
        return pending.acked

    @property
    def backlog(self) -> int:
        """Messages queued or unacknowledged."""
        return len(self._waiting) + self._in_flight

    def start(self) -> None:
        self._tasks.spawn(self._pump())

    async def stop(self, drain_s: float = 0.0) -> None:
        """Wait up to *drain_s* for the backlog to be acknowledged, then stop sending."""
        await self._until(lambda: self.backlog == 0, drain_s)
        await self._tasks.cancel()
        if self._waiting:
            log.warning("mqtt out %s: stopped with %d messages not sent", self.name, len(self._waiting))
        elif self._in_flight:
            log.info("mqtt out %s: stopped with %d messages not acknowledged", self.name, self._in_flight)

    async def written(self, within_s: float) -> None:
        """Wait up to *within_s* until every queued message is written (acknowledged or not)."""
        await self._until(lambda: not self._waiting, within_s)

    async def _until(self, done: Callable[[], bool], within_s: float) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within_s):
                while not done():
                    await self._changed.wait()

    def _notify(self) -> None:
        """Wake whoever waits for a change: a message queued, written or acknowledged."""
        self._changed.set()
        self._changed = asyncio.Event()  # each waiter holds the event it waited on: no clear() to race with

    async def _next_change(self) -> None:
        # The link has no event for "connected": look again soon. (Not wait_for: on 3.11 it can swallow a cancel.)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(RETRY_S):
                await self._changed.wait()

    async def _pump(self) -> None:
        while True:
            if not self._waiting or self._in_flight >= self._window or not self._client.is_connected:
                await self._next_change()  # a new message, an acknowledgement, or time to look at the link again
                continue
            pending = self._waiting.popleft()
            if pending.acked.done():  # its sender gave up waiting before it went out
                continue
            if not self._send(pending):
                self._waiting.appendleft(pending)
                await self._next_change()

    def _send(self, pending: _Pending) -> bool:
        m = pending.message
        self._acks.latest = None
        try:
            self._client.publish(m.topic, m.payload, qos=m.qos, retain=m.retain)
        except Exception as exc:  # no packet id free (the broker allows fewer than our window), or the link closing
            log.debug("mqtt out %s: publish of %s deferred: %s", self.name, m.topic, exc)
            return False
        self.sent += 1
        self._notify()
        acked = self._acks.latest
        if m.qos == 0 or acked is None:  # (None: gmqtt kept no copy, so there is nothing to wait for)
            _settle(pending.acked, True)
            return True
        self._in_flight += 1
        acked.add_done_callback(lambda done: self._settled(pending, done.result()))
        return True

    def _settled(self, pending: _Pending, acked: bool) -> None:
        self._in_flight -= 1
        self._notify()
        if acked:
            _settle(pending.acked, True)
        elif not pending.acked.done():  # the broker lost the session with it: publish it again, in order
            self._requeue(pending)

    def _requeue(self, pending: _Pending) -> None:
        """Back among the others that went out with it, at the front: everything queued was offered later."""
        at = 0
        while at < len(self._waiting) and self._waiting[at].number < pending.number:
            at += 1
        self._waiting.insert(at, pending)
