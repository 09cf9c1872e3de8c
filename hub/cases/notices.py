"""Telling people of a case's escalation steps: one message per chain level a step names, through the alert
channels, retried and logged by the alerts' DeliveryManager, with the case store as the delivery log.

A step's trail entry and its deliveries, pending, are stored in one transaction (an outbox) before the first
attempt, and a pending delivery is resumed after a restart, as alert deliveries are. The step is taken once
(`Case.escalations`), so its messages are made once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable

from hub.alerts.delivery import Backoff, DeliveryManager, Planned
from hub.alerts.model import Action as AlertAction
from hub.alerts.notify import CaseSubject, ChainLevel, Notification, Notifier, Recipient
from hub.alerts.store import Delivery
from hub.alerts.writer import GIVE_UP_S
from hub.cases import escalation
from hub.cases.model import Action, Case, CaseEvent, Entry
from hub.cases.store import CaseStore
from hub.cases.workcal import WorkCalendar
from hub.town import Town, place_name

log = logging.getLogger(__name__)
RETRY_S = 2.0
HEAD = "【案件督办】"
ALERTS_BACKOFF = Backoff()  # the same retries as an alert's message


def case_link(case_id: int, console_url: str | None) -> str:
    return f"{(console_url or '').rstrip('/')}/cases/#{case_id}"


def place(town: Town, case: Case) -> str:
    """Village and grid when the case has them, else the address the requester gave, else the town."""
    grid = town.grids().get(case.grid or "")
    village = next((v for v in town.villages if v.id == (case.village or case.lead_village)), None)
    named = place_name(village.name if village else "", grid.name if grid else "")
    return named or case.address or town.town.name


def render(town: Town, case: Case, entry: Entry, late_hours: float, level: ChainLevel,
           recipients: tuple[Recipient, ...], console_url: str | None) -> Notification:
    """The message for one level of one step: number, category, place, how late, and where to look."""
    category = town.cases.category_map().get(case.category)
    title = f"{HEAD}{case.number} {category.name if category else case.category}"
    step, of = entry.detail.get("step", "?"), entry.detail.get("of", "?")
    link = case_link(case.id, console_url)
    facts = [("地点", place(town, case)), ("超时", f"已超办理时限{late_hours:.1f}个工作小时，第{step}/{of}级督办"),
             ("详情", link)]
    text = "\n".join([title, *(f"{k}：{v}" for k, v in facts), "请督促承办单位尽快办理。"])
    markdown = "\n".join([f'### <font color="warning">{title}</font>', *(f"> {k}：{v}" for k, v in facts)])
    subject = CaseSubject(case.id, case.number, case.category, case.grid, case.village,
                          int(step) if step.isdigit() else 0, link)
    return Notification(None, AlertAction.ESCALATE, level, recipients, title, text, markdown, entry.ts,
                        entry.seq, subject)


def by_level(told: Iterable[escalation.Told]) -> dict[ChainLevel, tuple[Recipient, ...]]:
    """The recipients a message can reach (those with a phone), grouped by their level of the chain."""
    levels: dict[ChainLevel, tuple[Recipient, ...]] = {}
    for t in told:
        if t.recipient.phone:
            levels[t.recipient.level] = (*levels.get(t.recipient.level, ()), t.recipient)
    return levels


class CaseNotices:
    """Sends each escalation step's messages and keeps their delivery log in the case store. Loop only."""

    def __init__(self, town: Town, store: CaseStore, calendar: WorkCalendar, clock: Callable[[], float],
                 console_url: str | None = None, backoff: Backoff = ALERTS_BACKOFF,
                 give_up_s: float = GIVE_UP_S) -> None:
        self._town = town
        self._store = store
        self._calendar = calendar
        self._console_url = console_url
        self._log = DeliveryLog(store, give_up_s)
        self.failed = self._log.failed
        self.deliveries = DeliveryManager([], self._log.add, clock, backoff)

    async def start(self, notifiers: Iterable[Notifier]) -> None:
        """Use the alert channels, and carry on with deliveries the previous run left pending."""
        self.deliveries.notifiers = {n.name: n for n in notifiers}
        self._log.start()
        for delivery in await asyncio.to_thread(self._store.pending_deliveries):
            notification = await asyncio.to_thread(self._notification_of, delivery)
            if notification is not None:
                self.deliveries.resume(delivery, notification)

    async def stop(self) -> None:
        await self.deliveries.stop()  # the channels are the alerts', which close them
        await self._log.stop()

    def plan(self, events: Iterable[CaseEvent]) -> list[Planned]:
        """The deliveries of every escalation step among *events*: stored with the steps, then `launch`ed."""
        return [p for event in events if event.entry.action is Action.ESCALATE
                for notification in self._notifications(event.case, event.entry)
                for p in self.deliveries.plan(notification, event.entry.seq)]

    def submit(self, events: Iterable[CaseEvent]) -> None:
        """Messages for every escalation step among *events*, stored already, logged on their own: only for
        callers that store steps without their deliveries (the service stores both together)."""
        planned = self.plan(events)
        for p in planned:
            self._log.add(p.delivery)
        self.launch(planned)

    def launch(self, planned: list[Planned]) -> None:
        """Start the deliveries `plan` made, once they are stored."""
        self.deliveries.launch(planned)

    def _notifications(self, case: Case, entry: Entry) -> list[Notification]:
        refs = [r for r in entry.detail.get("notify", "").split(",") if r]
        late = self._calendar.between(case.due_at, entry.ts) / 3600 if case.due_at is not None else 0.0
        return [render(self._town, case, entry, late, level, recipients, self._console_url)
                for level, recipients in by_level(escalation.told(self._town, case, refs)).items()]

    def _notification_of(self, delivery: Delivery) -> Notification | None:
        """The message a pending delivery was for, made again from its case and trail entry (a thread)."""
        case = self._store.get(delivery.case_id) if delivery.case_id is not None else None
        entry = next((e for e in self._store.entries(case.id) if e.seq == delivery.seq), None) if case else None
        if case is None or entry is None:
            return None
        return next((n for n in self._notifications(case, entry) if n.level is delivery.level), None)


class DeliveryLog:
    """Stores delivery states off the loop, the newest state of each, retrying while the store fails for
    *give_up_s* at most: then it sets `failed` (the hub stops, for a supervisor or a standby to take over)."""

    def __init__(self, store: CaseStore, give_up_s: float = GIVE_UP_S) -> None:
        self._store = store
        self._give_up_s = give_up_s
        self.failed = asyncio.Event()
        self._pending: dict[str, Delivery] = {}
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.get_running_loop().create_task(self._run(), name="gridhub-case-deliveries")

    def add(self, delivery: Delivery) -> None:
        self._pending[delivery.id] = delivery
        self._wake.set()

    async def stop(self) -> None:
        """Store what is pending and return. Not by cancelling: a save in its thread would carry on unseen,
        and could land after a newer state of the same delivery."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task
        elif self._pending:  # never started: store what was added all the same
            await asyncio.to_thread(self._store.save_deliveries, list(self._pending.values()))
            self._pending = {}

    async def _run(self) -> None:
        failing_since: float | None = None
        while True:
            await self._wake.wait()
            self._wake.clear()
            batch, self._pending = self._pending, {}
            try:
                if batch:
                    await asyncio.to_thread(self._store.save_deliveries, list(batch.values()))
            except Exception:
                failing_since = failing_since or time.monotonic()
                self._pending = batch | self._pending  # newer states of the same deliveries win
                if self._stopping:  # the next start resumes them from what the store last kept
                    log.exception("case store: %d delivery states not saved at stop", len(batch))
                    return
                if time.monotonic() - failing_since >= self._give_up_s:
                    log.critical("case store: saving delivery states failed for %.0f s; giving up, the hub stops",
                                 self._give_up_s, exc_info=True)
                    self.failed.set()
                    return
                log.exception("case store: saving %d delivery states failed; retrying in %.0f s", len(batch), RETRY_S)
                await asyncio.sleep(RETRY_S)
                self._wake.set()
                continue
            failing_since = None
            if self._stopping and not self._pending:
                return
