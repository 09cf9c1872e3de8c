"""An escalation step and the deliveries that tell of it are stored in one transaction (an outbox), for alerts
and for cases, on SQLite and PostgreSQL: a crash between the two can no longer lose the messages."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from adapters.alert_store import SqlAlertStore
from adapters.case_store import SqlCaseStore
from hub.alerts.model import Action, Alert
from hub.alerts.service import AlertService
from hub.alerts.store import Delivery, DeliveryStatus, FeedEntry
from hub.bus import Bus
from hub.cases.model import Action as CaseAction
from hub.cases.model import Case, CaseState, Entry
from hub.cases.service import CaseService
from hub.models import IngestBatch
from tests.alert_support import FakeClock, reading, town_with
from tests.case_support import Clock, new_case, town
from tests.support import wait_for
from tests.unit.test_case_notices import Channel

pytestmark = pytest.mark.integration
OFFICER = "officer"


class RecordingAlertStore(SqlAlertStore):
    """The real store, remembering what each transaction held."""

    saves: list[tuple[list[FeedEntry], list[Delivery]]]

    def save(self, alert_rows: Sequence[Alert], entries: Sequence[FeedEntry],
             delivery_rows: Sequence[Delivery]) -> None:
        super().save(alert_rows, entries, delivery_rows)
        self.saves.append((list(entries), list(delivery_rows)))


class RecordingCaseStore(SqlCaseStore):
    saves: list[tuple[list[Entry], list[Delivery]]]

    def save(self, items: Sequence[Case], log: Sequence[Entry], token: tuple[str, int] | None = None,
             delivery_rows: Sequence[Delivery] = ()) -> None:
        super().save(items, log, token, delivery_rows)
        self.saves.append((list(log), list(delivery_rows)))


def told_with(saves: Sequence[tuple[Sequence[FeedEntry | Entry], Sequence[Delivery]]], seq: int) -> list[Delivery]:
    """The deliveries stored in the same transaction as the step numbered *seq* (which must be stored once)."""
    [together] = [deliveries for steps, deliveries in saves
                  if any((s.transition.seq if isinstance(s, FeedEntry) else s.seq) == seq for s in steps)]
    return [d for d in together if d.seq == seq]


async def test_an_alert_step_and_its_deliveries_are_one_transaction(sql_url: str) -> None:
    clock = FakeClock()
    store = RecordingAlertStore(sql_url)
    store.saves = []
    service = AlertService(town_with(), store, Bus(), clock)
    channel = Channel("sms")
    await service.start([channel])
    try:
        service.async_on_batch(IngestBatch((reading("RS01", "water_level", 59.6, clock.now),)))
        await wait_for(lambda: len(channel.sent) == 1, what="the grid worker told of the alert")
        [alert] = service.book.open_alerts()
        clock.now += service.policy.after_s(alert.severity) + 1
        await wait_for(lambda: len(channel.sent) == 2, what="the village cadre told of the escalation")
    finally:
        await service.stop()
        store.close()
    raised, escalated = channel.sent
    assert escalated.action is Action.ESCALATE
    for sent in (raised, escalated):
        [delivery] = told_with(store.saves, sent.seq)
        assert (delivery.status, delivery.level, delivery.id) == (DeliveryStatus.PENDING, sent.level, sent.delivery_id)
    assert [int(n.delivery_id) for n in channel.sent] == [1, 2]  # numbered by the database


async def test_a_case_step_and_its_deliveries_are_one_transaction(sql_url: str, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("hub.cases.service.TICK_S", 0.05)
    clock, bus = Clock("2026-03-10 10:00"), Bus()
    alert_store, store = SqlAlertStore(sql_url), RecordingCaseStore(sql_url)
    store.saves = []
    alerts = AlertService(town(), alert_store, bus, clock)
    channel = Channel("sms")
    await alerts.start([channel])
    cases = CaseService(town(), store, bus, clock, alerts, tmp_path / "photos")
    await cases.start()
    try:
        case, _, _ = await cases.receive(new_case(category="flood-safety", grid="G19", accept=True), OFFICER)
        assert case.due_at is not None and case.state is CaseState.ACCEPTED
        clock.now = cases.book.calendar.add_hours(case.due_at, 1.5)
        await wait_for(lambda: len(channel.sent) == 2, what="the first step's two levels told")
        [step] = [e for e in store.entries(case.id) if e.action is CaseAction.ESCALATE]
    finally:
        await cases.stop()
        await alerts.stop()
        store.close()
        alert_store.close()
    together = told_with(store.saves, step.seq)
    assert sorted(d.id for d in together) == sorted(n.delivery_id for n in channel.sent)
    assert all(d.status is DeliveryStatus.PENDING and d.case_id == case.id for d in together)
