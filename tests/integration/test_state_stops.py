"""A running hub whose dispatch or broadcast write finds another leader's work stops, as it does for alerts and
cases; a broadcast store that stays unwritable is retried for `state_give_up_s`, not forever."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import httpx
import pytest

from adapters.broadcast_store import SqlBroadcastStore
from adapters.dispatch_store import SqlDispatchStore
from adapters.sql import state_url
from hub.alerts.store import StaleWrite
from hub.broadcast.config import JobCreate, Target
from hub.broadcast.model import Job, JobState, Receipt
from hub.broadcast.service import BroadcastService
from hub.bus import Bus
from hub.dispatch.service import DispatchService
from tests.broadcast_support import rig, speaker_town
from tests.integration.test_dispatch import raise_alert, settings
from tests.integration.test_stale_writes_more import RECORDING, NoSynth
from tests.support import ManualClock, Mosquitto, console_url, make_hub, signed_in, wait_for

pytestmark = pytest.mark.integration
OFFICER = "officer"
JOB = JobCreate(text="河道水位上涨", target=Target(speakers=("SPK01",)), audio_url=RECORDING)


async def test_a_hub_whose_dispatch_was_changed_by_another_leader_stops(tmp_path: Path, own_broker: Mosquitto) -> None:
    async with make_hub(settings(tmp_path, own_broker)) as hub, \
            httpx.AsyncClient(base_url=console_url(hub), headers=await signed_in(hub)) as http:
        alert_id = await raise_alert(hub, own_broker)
        [dispatch] = await hub.ctx.dispatch.assign(alert_id, ["T01"], "查看水位", OFFICER)
        store = SqlDispatchStore(state_url(hub.ctx.settings))
        successor = DispatchService(hub.ctx.town, store, Bus(), hub.ctx.clock, hub.ctx.alerts, tmp_path / "next")
        try:
            await successor.start()
            await successor.cancel(dispatch.id, OFFICER, "已有人在场")
            with pytest.raises(StaleWrite):
                await hub.ctx.dispatch.cancel(dispatch.id, OFFICER, "改派")
            await wait_for(hub.deposed.is_set, what="the hub told to stop")
            assert "state store" in hub.why_deposed
            assert 'gridhub_state_stale_writes_total{store="dispatch"} 1.0' in (await http.get("/metrics")).text
        finally:
            await successor.stop()
            store.close()


async def test_a_hub_whose_broadcast_job_was_changed_by_another_leader_stops(tmp_path: Path,
                                                                             own_broker: Mosquitto) -> None:
    async with rig(tmp_path, own_broker.port) as r:
        job = await r.broadcast.create(JOB, OFFICER, proposed=True)
        store = SqlBroadcastStore(state_url(r.hub.ctx.settings))
        config = r.hub.loaded.sections["speaker-mqtt"]
        successor = BroadcastService(r.hub.ctx.town, config, store, NoSynth(), Bus(), r.hub.ctx.clock,
                                     lambda _: True)
        try:
            await wait_for(lambda: store.get(job.id) is not None, what="the job stored")
            await successor.start()
            await successor.cancel(job.id, OFFICER)
            await wait_for(lambda: (store.get(job.id) or job).state is JobState.CANCELLED, what="the cancel stored")
            await r.broadcast.confirm(job.id, None, OFFICER)
            await wait_for(r.hub.deposed.is_set, what="the hub told to stop")
            assert "state store" in r.hub.why_deposed
            assert 'gridhub_state_stale_writes_total{store="broadcast"} 1.0' in (await r.http.get("/metrics")).text
        finally:
            await successor.stop()
            store.close()


class Unwritable(SqlBroadcastStore):
    def save(self, job_rows: Sequence[Job], receipt_rows: Sequence[Receipt]) -> None:
        raise OSError("disk full")


async def test_a_failing_broadcast_store_is_retried_for_the_give_up_time_then_the_service_gives_up(
        tmp_path: Path) -> None:
    loaded = speaker_town()
    store = Unwritable(f"sqlite:///{tmp_path / 'state.sqlite3'}")
    service = BroadcastService(loaded.town, loaded.sections["speaker-mqtt"], store, NoSynth(), Bus(),
                               ManualClock(1_800_000_000.0), lambda _: True, give_up_s=1.5)
    try:
        await service.start()
        await service.create(JOB, OFFICER, proposed=True)
        await wait_for(service.failed.is_set, timeout=10, what="the writer giving up")
        assert service.stale_writes == 0
    finally:
        await service.stop()
        store.close()
