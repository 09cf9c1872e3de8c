"""The alert service's single writer: saves changes in order, off the loop, then announces them.

A transition and the deliveries that tell of it are stored in one transaction, and
the deliveries start only then: a crash can lose neither one without the other.
Nobody hears of a transition before it is stored: a console resuming from its
last sequence number reads the store, so the feed must never be ahead of it.
If the store fails, the writer retries the same changes, in order, with backoff
(the alerts stay correct in memory meanwhile), for `give_up_s` at most: then it
sets `failed` and stops, and the hub stops with it, so that a supervisor restarts
it or a standby takes over, rather than keeping the town's alerts only in memory.
A stale write (another process wrote the same alert since) is not retried at all.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from hub.alerts.delivery import Planned
from hub.alerts.model import AlertEvent
from hub.alerts.store import AlertStore, Delivery, FeedEntry, StaleWrite

log = logging.getLogger(__name__)
RETRY_S = (0.5, 1.0, 2.0, 5.0)
GIVE_UP_S = 60.0


@dataclass(slots=True)
class _Pending:
    events: list[AlertEvent] = field(default_factory=list)
    planned: list[Planned] = field(default_factory=list)  # new deliveries, started once stored with their events
    deliveries: dict[str, Delivery] = field(default_factory=dict)  # by id: the newest state of each
    saved: list[asyncio.Future[None]] = field(default_factory=list)


class AlertWriter:
    """Batches what the book and the delivery manager change and commits it in one transaction."""

    def __init__(self, store: AlertStore, announce: Callable[[list[AlertEvent], list[Planned]], None],
                 give_up_s: float = GIVE_UP_S) -> None:
        self._store = store
        self._announce = announce
        self._give_up_s = give_up_s
        self._pending = _Pending()
        self._saving = 0  # changes of the batch being stored now, not yet announced
        self._wake = asyncio.Event()
        self._closing = False
        self.failures = 0
        self.stale_writes = 0
        self.failed = asyncio.Event()  # it gave up: nothing more is stored, the process must stop

    def add(self, events: list[AlertEvent], planned: list[Planned] | None = None) -> asyncio.Future[None]:
        """Queue *events* with the deliveries *planned* for them, to be stored in the same transaction; the
        future completes once they are stored (and announced, and the deliveries started)."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self.failed.is_set():
            done.set_exception(RuntimeError("the alert store failed; the hub is stopping"))
            return done
        self._pending.events += events
        for p in planned or []:
            self._pending.planned.append(p)
            self._pending.deliveries[p.delivery.id] = p.delivery
        self._pending.saved.append(done)
        self._wake.set()
        return done

    def add_delivery(self, delivery: Delivery) -> None:
        self._pending.deliveries[delivery.id] = delivery
        self._wake.set()

    def backlog(self) -> int:
        """Changes not yet stored and announced: those waiting and those being stored."""
        return len(self._pending.events) + len(self._pending.deliveries) + self._saving

    async def run(self) -> None:
        """Save batches until `close`, which it answers once everything added before it is stored."""
        while not (self._closing and self.backlog() == 0):
            await self._wake.wait()
            self._wake.clear()
            batch, self._pending = self._pending, _Pending()
            self._saving = len(batch.events) + len(batch.deliveries)
            if not await self._save(batch):
                for done in batch.saved:  # whoever waits on these is told, not left hanging
                    if not done.done():
                        done.set_exception(RuntimeError("the alert store failed; the hub is stopping"))
                return
            self._announce(batch.events, batch.planned)
            self._saving = 0
            for done in batch.saved:
                if not done.done():
                    done.set_result(None)

    def close(self) -> None:
        """Stop `run` after it has stored what is pending. Not by cancelling it: a save in its thread would
        carry on unseen, and could land after a newer state of the same delivery."""
        self._closing = True
        self._wake.set()

    async def _save(self, batch: _Pending) -> bool:
        """Store *batch*, retrying while the store fails for `give_up_s` at most; False if it gave up."""
        started = time.monotonic()
        attempt = 0
        while True:
            try:
                await asyncio.to_thread(self._write, batch)
                return True
            except StaleWrite as exc:
                self.failures += 1
                self.stale_writes += 1
                log.critical("alert store: %s; another process leads now, so this one stops writing", exc)
                self.failed.set()
                return False
            except Exception:
                self.failures += 1
                if self._closing:  # what was stored before is resumed at the next start
                    log.exception("alert store: %d changes not saved at stop", len(batch.events))
                    return False
                if time.monotonic() - started >= self._give_up_s:
                    log.critical("alert store: saving %d changes failed for %.0f s; giving up, the hub stops",
                                 len(batch.events), self._give_up_s, exc_info=True)
                    self.failed.set()
                    return False
                delay = RETRY_S[min(attempt, len(RETRY_S) - 1)]
                log.exception("alert store: saving %d changes failed; retrying in %.1f s", len(batch.events), delay)
                attempt += 1
                await asyncio.sleep(delay)

    def _write(self, batch: _Pending) -> None:
        latest = {e.alert.id: e.alert for e in batch.events}
        entries = [FeedEntry(e.transition, e.alert) for e in batch.events if e.transition is not None]
        self._store.save(list(latest.values()), entries, list(batch.deliveries.values()))
