"""Alert ids, transition numbers, case ids and case trail numbers come from the database (sequences on
PostgreSQL, counters on SQLite), so an old leader and a new one never hand out the same; on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from adapters import migrations
from adapters.alert_store import SqlAlertStore
from adapters.case_store import SqlCaseStore
from adapters.sql import migrate, reserve_ids
from hub.alerts.service import AlertService
from hub.alerts.store import AlertQuery
from hub.bus import Bus
from hub.cases.service import CaseService
from hub.models import IngestBatch
from tests.alert_support import FakeClock, reading, town_with
from tests.case_support import Clock, new_case, town
from tests.support import wait_for

pytestmark = pytest.mark.integration
OFFICER = "officer"


def over_warning(device: str, metres: float, ts: float) -> IngestBatch:
    return IngestBatch((reading(device, "water_level", metres, ts),))


async def test_an_old_and_a_new_leader_raise_alerts_under_different_ids(sql_url: str) -> None:
    clock = FakeClock()
    stores = SqlAlertStore(sql_url), SqlAlertStore(sql_url)
    old, new = (AlertService(town_with(), store, Bus(), clock) for store in stores)
    try:
        await old.start([])
        old.async_on_batch(over_warning("RS01", 59.6, clock.now))
        await wait_for(lambda: stores[1].last_ids()[0] == 1, what="the first alert stored")
        await new.start([])  # takes over while the old leader, deposed, has not noticed yet
        old.async_on_batch(over_warning("RS02", 58.0, clock.now))
        new.async_on_batch(over_warning("RS04", 56.0, clock.now))
        [by_old] = [a for a in old.book.open_alerts() if a.source == "RS02"]
        [by_new] = [a for a in new.book.open_alerts() if a.source == "RS04"]
        assert by_old.id != by_new.id
        await wait_for(lambda: len(stores[1].find(AlertQuery())) == 3, what="all three alerts stored")
        seqs = [t.seq for alert in stores[1].find(AlertQuery()) for t in stores[1].history(alert.id)]
        assert len(seqs) == len(set(seqs)) == 3
        assert not old.failed.is_set() and not new.failed.is_set()
    finally:
        await old.stop()
        await new.stop()
        for store in stores:
            store.close()


async def test_an_old_and_a_new_leader_take_in_cases_under_different_ids(sql_url: str, tmp_path: Path) -> None:
    clock = Clock("2026-03-10 10:00")
    stores = SqlAlertStore(sql_url), SqlCaseStore(sql_url), SqlCaseStore(sql_url)
    alerts = AlertService(town(), stores[0], Bus(), clock)
    old = CaseService(town(), stores[1], Bus(), clock, alerts, tmp_path / "a")
    new = CaseService(town(), stores[2], Bus(), clock, alerts, tmp_path / "b")
    try:
        await alerts.start([])
        await old.start()
        first, _, _ = await old.receive(new_case(), OFFICER)
        await new.start()
        by_old, _, _ = await old.receive(new_case(grid="G02"), OFFICER)
        by_new, _, _ = await new.receive(new_case(grid="G03"), OFFICER)
        assert len({first.id, by_old.id, by_new.id}) == 3
        assert len({first.number, by_old.number, by_new.number}) == 3
        trail = [e.seq for case in (first, by_old, by_new) for e in stores[2].entries(case.id)]
        assert len(trail) == len(set(trail)) == 3
    finally:
        for service in (old, new, alerts):
            await service.stop()
        for store in stores:
            store.close()


def test_counters_start_past_what_is_stored_and_never_repeat(sql_url: str) -> None:
    store = SqlAlertStore(sql_url)
    try:
        first, second = reserve_ids(store.engine, "alert", 3), reserve_ids(store.engine, "alert", 2)
        assert first == [1, 2, 3] and second == [4, 5]
        with pytest.raises(ValueError, match="no id counter"):
            reserve_ids(store.engine, "alert; DROP TABLE gridhub_alerts", 1)
    finally:
        store.close()


def test_a_database_upgraded_from_the_first_revision_counts_on_past_its_rows(sql_url: str) -> None:
    db = sa.create_engine(sql_url)
    try:
        with db.begin() as conn:
            command.upgrade(migrations.config(conn), "0001")
            conn.execute(sa.text("INSERT INTO gridhub_alerts (id, rule, source, state, severity, raised_at, "
                                 "updated_at, body) VALUES (7, 'r', 's', 'raised', 'red', 1, 1, '{}')"))
            conn.execute(sa.text("INSERT INTO gridhub_case_log (seq, case_id, body) VALUES (41, 1, '{}')"))
        migrate(sql_url)
        assert reserve_ids(db, "alert", 1) == [8] and reserve_ids(db, "case_seq", 2) == [42, 43]
        assert reserve_ids(db, "alert_seq", 1) == [1] and reserve_ids(db, "case", 1) == [1]
    finally:
        db.dispose()
