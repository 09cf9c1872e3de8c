"""Two leaders on one state database (a deposed one that does not know it yet, and its successor): the old
one's write of an alert or case the new one has changed fails loudly, is counted, and stops the old one,
instead of overwriting; on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.alert_store import SqlAlertStore
from adapters.case_store import SqlCaseStore
from hub.alerts.model import AlertState
from hub.alerts.service import AlertService
from hub.alerts.store import StaleWrite
from hub.bus import Bus
from hub.cases.model import CaseState
from hub.cases.service import CaseService
from hub.models import IngestBatch
from tests.alert_support import FakeClock, reading, town_with
from tests.case_support import Clock, new_case, town
from tests.support import wait_for

pytestmark = pytest.mark.integration
OFFICER = "officer"


async def test_the_old_leaders_escalation_does_not_overwrite_the_new_leaders_acknowledgement(sql_url: str) -> None:
    clock = FakeClock()
    old_store, new_store = SqlAlertStore(sql_url), SqlAlertStore(sql_url)
    old, new = AlertService(town_with(), old_store, Bus(), clock), AlertService(town_with(), new_store, Bus(), clock)
    try:
        await old.start([])
        old.async_on_batch(IngestBatch((reading("RS01", "water_level", 59.6, clock.now),)))
        await wait_for(lambda: bool(new_store.last_ids()[0]), what="the alert stored")
        await new.start([])  # takes over, while the old leader still runs
        [alert] = new.book.open_alerts()
        await new.acknowledge(alert.id, OFFICER, "收到")
        clock.now += old.policy.after_s(alert.severity) + 1  # the old leader escalates what it thinks unanswered
        await wait_for(old.failed.is_set, what="the old leader stopping")
        assert old.writer.stale_writes == 1
        stored = new_store.get(alert.id)
        assert stored is not None and (stored.state, stored.escalation_level) == (AlertState.ACKNOWLEDGED, 0)
        assert not new.failed.is_set()
    finally:
        await old.stop()
        await new.stop()
        old_store.close()
        new_store.close()


async def test_the_old_leaders_case_change_fails_after_the_new_leaders(sql_url: str, tmp_path: Path) -> None:
    clock = Clock("2026-03-10 10:00")
    stores = SqlAlertStore(sql_url), SqlCaseStore(sql_url), SqlAlertStore(sql_url), SqlCaseStore(sql_url)
    old_alerts = AlertService(town(), stores[0], Bus(), clock)
    new_alerts = AlertService(town(), stores[2], Bus(), clock)
    old = CaseService(town(), stores[1], Bus(), clock, old_alerts, tmp_path / "a")
    new = CaseService(town(), stores[3], Bus(), clock, new_alerts, tmp_path / "b")
    try:
        for service in (old_alerts, new_alerts):
            await service.start([])
        await old.start()
        case, _, _ = await old.receive(new_case(), OFFICER)
        await new.start()
        await new.apply(case.id, lambda c: new.book.accept(c, OFFICER))
        with pytest.raises(StaleWrite, match=f"case {case.id}"):
            await old.apply(case.id, lambda c: old.book.reject(c, OFFICER, "不属于受理范围"))
        assert old.failed.is_set() and old.stale_writes == 1
        stored = stores[3].get(case.id)
        assert stored is not None and stored.state is CaseState.ACCEPTED
    finally:
        for service in (old, new, old_alerts, new_alerts):
            await service.stop()
        for store in stores:
            store.close()
