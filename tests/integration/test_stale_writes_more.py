"""Two leaders on one state database, for dispatches, broadcast jobs and calls as test_stale_writes.py does for
alerts and cases: the old leader's write of a row the new one has changed fails loudly, is counted and stops the
old one, instead of overwriting; and the ids an old and a new leader hand out never meet. On SQLite and PostgreSQL.

The video server and the speech synthesiser are stand-ins (neither is reached by what is tested: the store).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from adapters.alert_store import SqlAlertStore
from adapters.broadcast_store import SqlBroadcastStore
from adapters.call_store import SqlCallStore
from adapters.dispatch_store import SqlDispatchStore
from adapters.speakers.config import SpeakerMqttConfig
from hub.alerts.service import AlertService
from hub.alerts.store import StaleWrite
from hub.broadcast.config import JobCreate, Target
from hub.broadcast.model import AudioClip, JobState
from hub.broadcast.service import BroadcastService
from hub.bus import Bus
from hub.calls.config import CallCreate, CallsConfig
from hub.calls.model import CallState
from hub.calls.service import CallService
from hub.dispatch.model import DispatchState
from hub.dispatch.service import DispatchService
from hub.dispatch.store import DispatchQuery
from hub.models import IngestBatch
from hub.users.model import Principal, Role
from tests.alert_support import FakeClock, reading, town_with
from tests.broadcast_support import speaker_town
from tests.support import wait_for

pytestmark = pytest.mark.integration
OFFICER = "officer"
DUTY = Principal("duty", "张伟", Role.officer)
RECORDING = "http://127.0.0.1/recording.mp3"  # a job with its own audio needs no synthesiser


# --- dispatch -------------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def two_dispatch_leaders(url: str, tmp: Path) -> AsyncIterator[tuple[DispatchService, DispatchService, int]]:
    """An old and a new leader's dispatch services on *url* (one alert service: alerts are not the subject), and
    the id of an open alert; the new one is not started yet."""
    clock = FakeClock()
    alert_store, stores = SqlAlertStore(url), (SqlDispatchStore(url), SqlDispatchStore(url))
    alerts = AlertService(town_with(), alert_store, Bus(), clock)
    old, new = (DispatchService(town_with(), store, Bus(), clock, alerts, tmp / name)
                for store, name in zip(stores, ("a", "b"), strict=True))
    try:
        await alerts.start([])
        alerts.async_on_batch(IngestBatch((reading("RS01", "water_level", 59.6, clock.now),)))
        await wait_for(lambda: bool(alerts.book.open_alerts()), what="an alert")
        await old.start()
        yield old, new, alerts.book.open_alerts()[0].id
    finally:
        for service in (old, new):
            await service.stop()
        await alerts.stop()
        for store in (alert_store, *stores):
            store.close()


async def test_the_old_leaders_dispatch_step_does_not_overwrite_the_new_leaders_cancel(sql_url: str,
                                                                                      tmp_path: Path) -> None:
    async with two_dispatch_leaders(sql_url, tmp_path) as (old, new, alert_id):
        [dispatch] = await old.assign(alert_id, ["T01"], "查看水位", OFFICER)
        await new.start()  # takes over, while the old leader still runs
        await new.cancel(dispatch.id, OFFICER, "已有人在场")
        with pytest.raises(StaleWrite, match=f"dispatch {dispatch.id}"):
            await old.cancel(dispatch.id, OFFICER, "改派")
        assert old.failed.is_set() and old.stale_writes == 1
        stored = new.store.get(dispatch.id)
        assert stored is not None and stored.state is DispatchState.CANCELLED
        assert [e.note for e in new.store.entries(dispatch.id)][-1] == "已有人在场"
        assert not new.failed.is_set()


async def test_an_old_and_a_new_leader_dispatch_under_different_ids(sql_url: str, tmp_path: Path) -> None:
    async with two_dispatch_leaders(sql_url, tmp_path) as (old, new, alert_id):
        [first] = await old.assign(alert_id, ["T01"], "查看水位", OFFICER)
        await new.start()
        [by_old] = await old.assign(alert_id, ["T02"], "支援", OFFICER)
        [by_new] = await new.assign(alert_id, ["T03"], "支援", OFFICER)
        assert len({first.id, by_old.id, by_new.id}) == 3
        stored = new.store.find(DispatchQuery(alert_id=alert_id))
        assert len(stored) == 3
        log = [e.seq for d in stored for e in new.store.entries(d.id)]
        assert len(log) == len(set(log)) == 3
        assert not old.failed.is_set() and not new.failed.is_set()


# --- broadcast ------------------------------------------------------------------------------------


class NoSynth:
    """Jobs here bring their own recording: nothing is synthesised."""

    async def synthesize(self, text: str) -> AudioClip:
        raise AssertionError(f"nothing should be synthesised: {text}")

    def path(self, key: str) -> Path | None:
        return None


@contextlib.asynccontextmanager
async def two_broadcast_leaders(url: str) -> AsyncIterator[tuple[BroadcastService, BroadcastService]]:
    loaded = speaker_town()
    config: SpeakerMqttConfig = loaded.sections["speaker-mqtt"]
    clock = FakeClock()
    stores = SqlBroadcastStore(url), SqlBroadcastStore(url)
    old, new = (BroadcastService(loaded.town, config, store, NoSynth(), Bus(), clock, lambda _: True)
                for store in stores)
    try:
        await old.start()
        yield old, new
    finally:
        for service in (old, new):
            with contextlib.suppress(StaleWrite):
                await service.stop()
        for store in stores:
            store.close()


def proposal(text: str) -> JobCreate:
    return JobCreate(text=text, target=Target(speakers=("SPK01",)), audio_url=RECORDING)


async def test_the_old_leaders_broadcast_job_does_not_overwrite_the_new_leaders_cancel(sql_url: str) -> None:
    async with two_broadcast_leaders(sql_url) as (old, new):
        job = await old.create(proposal("河道水位上涨，请远离河边"), OFFICER, proposed=True)
        await wait_for(lambda: new.store.get(job.id) is not None, what="the job stored")
        await new.start()  # takes over, while the old leader still runs
        await new.cancel(job.id, OFFICER)
        await wait_for(lambda: _state(new, job.id) is JobState.CANCELLED, what="the new leader's cancel stored")
        await old.confirm(job.id, None, OFFICER)  # the old leader starts what it thinks still proposed
        await wait_for(old.failed.is_set, what="the old leader stopping")
        assert old.stale_writes == 1
        assert _state(new, job.id) is JobState.CANCELLED
        assert not new.failed.is_set()


async def test_an_old_and_a_new_leader_make_broadcast_jobs_under_different_ids(sql_url: str) -> None:
    async with two_broadcast_leaders(sql_url) as (old, new):
        first = await old.create(proposal("一"), OFFICER, proposed=True)
        await wait_for(lambda: new.store.get(first.id) is not None, what="the first job stored")
        await new.start()
        by_old = await old.create(proposal("二"), OFFICER, proposed=True)
        by_new = await new.create(proposal("三"), OFFICER, proposed=True)
        assert len({first.id, by_old.id, by_new.id}) == 3
        await wait_for(lambda: len(new.store.jobs([], 10)) == 3, what="all three jobs stored")
        assert not old.failed.is_set() and not new.failed.is_set()


def _state(service: BroadcastService, job_id: int) -> JobState | None:
    job = service.store.get(job_id)
    return job.state if job else None


# --- calls ----------------------------------------------------------------------------------------


class NoSfu:
    """Rooms that cost nothing: no one joins a call here."""

    def ice(self, username: str) -> Any:
        raise AssertionError("no one joins")

    async def open_room(self, call_id: int) -> None:
        pass

    async def close_room(self, call_id: int) -> None:
        pass

    def leg(self, call_id: int, member: Any) -> Any:
        raise AssertionError("no one joins")

    async def share(self, call_id: int, camera: str, name: str, url: str) -> None:
        pass

    async def unshare(self, call_id: int) -> None:
        pass


@contextlib.asynccontextmanager
async def two_call_leaders(url: str) -> AsyncIterator[tuple[CallService, CallService]]:
    town, clock = town_with(), FakeClock()
    stores = SqlCallStore(url), SqlCallStore(url)
    old, new = (CallService(town, CallsConfig(), store, Bus(), clock, NoSfu(), None) for store in stores)
    try:
        await old.start()
        yield old, new
    finally:
        for store in stores:
            store.close()


async def test_the_old_leaders_call_change_does_not_overwrite_the_new_leaders_end(sql_url: str) -> None:
    async with two_call_leaders(sql_url) as (old, new):
        call = await old.open(CallCreate(villages=["yunling"]), DUTY)
        await new.start()  # takes over, while the old leader still runs
        await new.end(call.id, DUTY)
        with pytest.raises(StaleWrite, match=f"call {call.id}"):
            await old.invite(call.id, ["fenglin"], DUTY)
        assert old.failed.is_set() and old.stale_writes == 1
        stored = new.store.get(call.id)
        assert stored is not None and stored.state is CallState.ENDED and stored.villages == ("yunling",)
        assert not new.failed.is_set()


async def test_an_old_and_a_new_leader_open_calls_under_different_ids(sql_url: str) -> None:
    async with two_call_leaders(sql_url) as (old, new):
        first = await old.open(CallCreate(villages=["yunling"]), DUTY)
        await new.start()
        by_old = await old.open(CallCreate(villages=["fenglin"]), DUTY)
        by_new = await new.open(CallCreate(villages=["qingxi-sq"]), DUTY)
        assert len({first.id, by_old.id, by_new.id}) == 3
        log = [e.seq for call in (first, by_old, by_new) for e in new.store.entries(call.id)]
        assert len(log) == len(set(log)) == 3
        assert not old.failed.is_set() and not new.failed.is_set()
