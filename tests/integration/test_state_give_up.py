"""No write of alerts or cases is retried forever: a state store that stays unwritable for `state_give_up_s`
stops the hub (as a lost leadership does), for its supervisor or a standby to take over."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

import pytest

from adapters.case_store import SqlCaseStore
from hub.alerts.model import Action
from hub.alerts.notify import ChainLevel
from hub.alerts.store import Delivery, DeliveryStatus
from hub.cases.notices import DeliveryLog
from tests.integration.test_alert_flow import publish_level, settings
from tests.support import Mosquitto, make_hub, wait_for

pytestmark = pytest.mark.integration


async def test_an_alert_store_locked_for_longer_than_the_give_up_time_stops_the_hub(
        tmp_path: Path, own_broker: Mosquitto) -> None:
    async with make_hub(settings(tmp_path, own_broker, state_give_up_s=1.0)) as hub:
        other = sqlite3.connect(tmp_path / "state.sqlite3", timeout=0, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")  # another program holds the database's write lock
        try:
            await publish_level(own_broker.port, "RS02", hub, 57.6)
            await wait_for(hub.deposed.is_set, timeout=30, what="the hub told to stop")
            assert hub.ctx.alerts.failed.is_set() and hub.ctx.alerts.writer.failures >= 1
            with pytest.raises(RuntimeError, match="the alert store failed"):
                await hub.ctx.alerts.resolve(hub.ctx.alerts.book.open_alerts()[0].id, "officer", "")
        finally:
            other.execute("ROLLBACK")
            other.close()


class Unwritable(SqlCaseStore):
    def save_deliveries(self, items: Sequence[Delivery]) -> None:
        raise OSError("disk full")


async def test_case_delivery_states_are_retried_for_the_give_up_time_then_the_log_gives_up(tmp_path: Path) -> None:
    store = Unwritable(f"sqlite:///{tmp_path / 'state.sqlite3'}")
    log = DeliveryLog(store, give_up_s=0.5)
    log.start()
    try:
        log.add(Delivery("d1", None, 1, Action.ESCALATE, ChainLevel.DUTY_OFFICER, "sms", "sms:G19",
                         DeliveryStatus.PENDING, 0, 0.0, 0.0, case_id=1))
        await wait_for(log.failed.is_set, timeout=10, what="the log giving up")
    finally:
        await log.stop()
        store.close()
