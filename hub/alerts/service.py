"""The alert service: readings and device events through the rules into the book, stored, announced, told.

Rules run inline on the event loop for every batch (dict lookups per reading; the derived
series arrive in the batches, computed by the intake); storing and notifying happen in tasks of their own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from hub.alerts.book import AlertBook
from hub.alerts.combination import applied, combined
from hub.alerts.delivery import DeliveryManager, Planned
from hub.alerts.escalation import EscalationPolicy
from hub.alerts.evaluators import Signal
from hub.alerts.ids import Ids
from hub.alerts.model import Alert, AlertEvent, Transition
from hub.alerts.notify import Notifier
from hub.alerts.render import Renderer
from hub.alerts.rules import RuleSet
from hub.alerts.store import AlertStore, Delivery
from hub.alerts.writer import GIVE_UP_S, AlertWriter
from hub.bus import Bus
from hub.models import DeviceEvent, IngestBatch
from hub.tasks import TaskSet
from hub.town import Town

log = logging.getLogger(__name__)
TICK_S = 1.0
SPARE_IDS, SPARE_SEQS = 4, 64  # numbers in hand, topped up every tick: a restart leaves at most these unused


class AlertService:
    """Owns the alert book; everything that changes an alert goes through here."""

    def __init__(self, town: Town, store: AlertStore, bus: Bus, clock: Callable[[], float],
                 console_url: str | None = None, give_up_s: float = GIVE_UP_S) -> None:
        self.town = town
        self.store = store
        self._bus = bus
        self._clock = clock
        self.rules = RuleSet.for_town(town, clock())
        self.policy = EscalationPolicy(town, town.alerts)
        self.renderer = Renderer(town, self.policy, console_url)
        self.writer = AlertWriter(store, self._announce, give_up_s)
        self.failed = self.writer.failed  # the store could not be written: the hub must stop
        self.deliveries = DeliveryManager([], self.writer.add_delivery, clock)
        self.book = AlertBook(town, self.rules.rules, self.policy, clock)
        self._tasks = TaskSet()
        self._writing: asyncio.Task[None] | None = None
        self._unsubscribe: list[Callable[[], None]] = []
        self._ids: tuple[Ids, ...] = ()

    async def start(self, notifiers: list[Notifier]) -> None:
        """Load the book as it was, and go live."""
        self.deliveries.notifiers = {n.name: n for n in notifiers}
        alerts, (last_id, last_seq) = await asyncio.to_thread(lambda: (self.store.unfinished(), self.store.last_ids()))
        self._ids = (Ids(lambda n: self.store.reserve_ids("alert", n), SPARE_IDS, last_id),
                     Ids(lambda n: self.store.reserve_ids("alert_seq", n), SPARE_SEQS, last_seq),
                     delivery_ids := Ids(lambda n: self.store.reserve_ids("delivery", n), SPARE_SEQS))
        self.deliveries.ids = lambda: str(delivery_ids.take())
        await self._top_up()
        self.book = AlertBook(self.town, self.rules.rules, self.policy, self._clock, alerts,
                              alert_ids=self._ids[0], seqs=self._ids[1])
        for alert in alerts:
            self.rules.restore(alert)
        self._unsubscribe = [self._bus.subscribe(IngestBatch, self.async_on_batch),
                             self._bus.subscribe(DeviceEvent, self.async_on_device_event)]
        self._tasks.spawn(self._tick())
        self._writing = asyncio.create_task(self.writer.run(), name="gridhub-alert-writer")
        await self._resume_deliveries()
        log.info("alerts: %d rules, %d unfinished alerts", len(self.rules.rules), len(alerts))

    async def stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        await self._tasks.cancel()
        await self.deliveries.aclose()
        if self._writing is not None:  # last: the tasks and deliveries above may still hand it changes
            self.writer.close()
            await self._writing

    # --- inputs (event loop) --------------------------------------------------------------------

    def async_on_batch(self, batch: IngestBatch) -> None:
        self._apply(self.rules.on_readings(batch.readings))

    def async_on_device_event(self, event: DeviceEvent) -> None:
        self._apply(self.rules.on_event(event))

    def _apply(self, signals: list[Signal]) -> None:
        combinations = self.rules.combinations
        events = [e for s in signals for e in applied(self.book, combinations, self.town, s)]
        if events:
            self._store(events)

    def _commit(self, events: list[AlertEvent]) -> asyncio.Future[None] | None:
        """Store what people did, with what it changes in combination rules."""
        combinations = self.rules.combinations
        if any(e.alert.rule in c.all_of for e in events for c in combinations):
            events += combined(self.book, combinations, self.town)
        return self._store(events) if events else None

    def _store(self, events: list[AlertEvent]) -> asyncio.Future[None]:
        """Queue *events* for the writer with the deliveries that tell of them: stored with them (an outbox),
        started once they are."""
        planned = [p for e in events if e.transition is not None for n in self.renderer.notifications(e)
                   for p in self.deliveries.plan(n, e.transition.seq)]
        return self.writer.add(events, planned)

    # --- people's actions -----------------------------------------------------------------------

    def open_alerts(self) -> list[Alert]:
        """The alerts not yet resolved, as the book holds them now."""
        return self.book.open_alerts()

    async def get(self, alert_id: int) -> Alert | None:
        """The alert as the book holds it (open or resolved), else as stored."""
        return self.book.by_id.get(alert_id) or await asyncio.to_thread(self.store.get, alert_id)

    async def acknowledge(self, alert_id: int, actor: str, note: str) -> Alert:
        return await self._act(self.book.acknowledge(alert_id, actor, note))

    async def dispatch(self, alert_id: int, actor: str, note: str) -> Alert:
        return await self._act(self.book.dispatch(alert_id, actor, note))

    async def resolve(self, alert_id: int, actor: str, note: str) -> Alert:
        return await self._act(self.book.resolve(alert_id, actor, note))

    async def close(self, alert_id: int, actor: str, note: str) -> Alert:
        return await self._act(self.book.close(alert_id, actor, note))

    async def note(self, alert_id: int, actor: str, note: str) -> Alert:
        """Record *note* in the alert's history (KeyError once the alert is closed)."""
        return await self._act(self.book.note(alert_id, actor, note))

    # --- from outside the town's rules (the county's warning of water from upstream) --------------

    def async_signal(self, signal: Signal) -> None:
        """Raise, repeat or reopen the alert of a rule this town does not run, as if one of its rules had said it."""
        self._apply([signal])

    async def resolve_source(self, rule: str, source: str, actor: str, note: str) -> Alert | None:
        """Resolve the open alert of *rule* and *source*; None when there is none open."""
        alert = self.book.by_key.get((rule, source))
        if alert is None or not alert.state.is_open:
            return None
        return await self.resolve(alert.id, actor, note)

    async def _act(self, event: AlertEvent) -> Alert:
        saved = self._commit([event])
        if saved is not None:
            await saved
        return event.alert

    # --- after storing --------------------------------------------------------------------------

    def _announce(self, events: list[AlertEvent], planned: list[Planned]) -> None:
        for event in events:
            self._bus.async_publish(event)
        self.deliveries.launch(planned)

    async def _resume_deliveries(self) -> None:
        pending = await asyncio.to_thread(self.store.pending_deliveries)
        for delivery in pending:
            event = await asyncio.to_thread(self._event_of, delivery)
            if event is not None:
                self.deliveries.resume(delivery, self.renderer.render(event, delivery.level))

    def _event_of(self, delivery: Delivery) -> AlertEvent | None:
        if delivery.alert_id is None:
            return None
        alert = self.store.get(delivery.alert_id)
        transition: Transition | None = next((t for t in self.store.history(delivery.alert_id)
                                              if t.seq == delivery.seq), None)
        return AlertEvent(alert, transition) if alert and transition else None

    # --- timers ---------------------------------------------------------------------------------

    async def _top_up(self) -> None:
        for ids in self._ids:
            await ids.top_up()

    async def _try_top_up(self) -> None:
        """Top up, or make do with the numbers in hand while the store fails (its writer decides when to stop)."""
        try:
            await self._top_up()
        except Exception as exc:
            log.warning("alerts: reserving ids failed (%s); using those in hand", exc)

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(TICK_S)
            try:
                self._apply(self.rules.on_tick(self._clock()))
                self._commit(self.book.tick() + self.book.take_updates())
            except Exception:
                log.exception("alert tick failed")
            await self._try_top_up()  # after the timers, which then run when they are due, not a query later
