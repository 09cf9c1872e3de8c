"""The centre talks back to its stations over real TCP: clocks read and set when they drift, data asked for from
the API.

The sample town's simulated stations (adapters/sim) dial in to a running hub and answer its commands; a
station built here by hand from the standards' layouts stays silent, for the timeout.
"""

from __future__ import annotations

import asyncio
import dataclasses
import socket
import time
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from adapters.hj212.frame import encode as hj212_frame
from adapters.sim.hj212 import Hj212Simulators
from adapters.sim.sl651 import Sl651Simulators
from hub.app import Hub
from hub.settings import DemoSettings
from hub.town import Device
from hub.users.model import Role
from tests.sl651_support import hex_body, hex_frame
from tests.support import console_url, hub_settings, make_hub, sample_town, signed_in, wait_for

pytestmark = pytest.mark.integration
RIVER, RAIN, QUALITY = "RS04", "RG02", "WQ01"  # simulated: SL 651 HEX/BCD, SL 651 ASCII, HJ 212
SILENT_SL651, SILENT_HJ212 = ("SL99", "0099000001"), ("WQ99", "TESTMN0099")  # answer nothing
REPLY_TIMEOUT_S = 3.0  # short, for the timeout case; ample for the simulated stations
DRIFT_S = -600.0  # ten minutes behind


def _town() -> object:
    loaded = sample_town()
    near = next(d for d in loaded.town.devices if d.id == "RG01")
    silent = [near.model_copy(update={"id": device, "adapter": adapter, "address": address, "topic": None,
                                      "name": f"{adapter} 不应答站"})
              for (device, address), adapter in ((SILENT_SL651, "sl651"), (SILENT_HJ212, "hj212"))]
    town = loaded.town.model_copy(update={"devices": [*loaded.town.devices, *silent]})
    commands = {"reply_timeout_s": REPLY_TIMEOUT_S, "clock_every_s": 600}
    sections = {name: loaded.sections[name].model_copy(update={"commands": type(
        loaded.sections[name].commands).model_validate(commands)}) for name in ("sl651", "hj212")}
    return dataclasses.replace(loaded, town=town, sections={**loaded.sections, **sections})


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[Hub]:
    async with make_hub(hub_settings(tmp_path, None), _town()) as running:  # type: ignore[arg-type]
        yield running


async def command(hub: Hub, device: str, kind: str, role: Role = Role.officer) -> httpx.Response:
    village = hub.ctx.town.villages[0].id if role is Role.cadre else None
    headers = await signed_in(hub, role, village)
    async with httpx.AsyncClient(base_url=console_url(hub), headers=headers, timeout=30) as c:
        return await c.post(f"api/devices/{device}/commands", json={"kind": kind})


async def log_of(hub: Hub, device: str) -> list[dict[str, object]]:
    async with httpx.AsyncClient(base_url=console_url(hub), headers=await signed_in(hub), timeout=30) as c:
        response = await c.get(f"api/devices/{device}/commands")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def simulated(hub: Hub) -> list[Device]:
    """The town's devices but the silent stations, for the simulators."""
    return [d for d in hub.ctx.town.devices if d.id not in (SILENT_SL651[0], SILENT_HJ212[0])]


def latest(hub: Hub, device: str) -> dict[str, float]:
    return {r.quantity: r.ts for r in hub.ctx.store.latest(device)}


async def test_sl651_the_hub_sets_a_drifting_clock_and_queries_current_data_from_the_api(hub: Hub) -> None:
    sims = Sl651Simulators(simulated(hub), hub.ctx.sections["sl651"], DemoSettings(), time.time,
                           ZoneInfo(hub.ctx.town.town.timezone))
    river, rain = sims.stations
    assert (river.device.id, rain.device.id) == (RIVER, RAIN)
    not_dialled = (await command(hub, RAIN, "query")).json()  # fails fast, with the reason, and is logged
    assert not_dialled["state"] == "not_connected" and "no connection" in not_dialled["detail"]
    river.clock_offset = DRIFT_S
    sims.start()
    try:
        river.report(time.time())  # its send time ten minutes behind: the hub reads its clock and sets it
        rain.report(time.time() - 900)  # a report kept a quarter of an hour, sent late: its clock is read, right
        await wait_for(lambda: abs(river.clock_offset) < 5, what="the hub to set the HEX station's clock")
        for device in (RIVER, RAIN):  # both encodings answer a query with their current data
            started = time.time()
            answered = await command(hub, device, "query")
            assert answered.status_code == 200, answered.text
            body = answered.json()
            assert body["state"] == "answered" and body["readings"] >= 2 and body["by"] == "officer", body
            assert latest(hub, device)["battery_voltage"] >= started - 60  # stored like any report
        assert rain.clock_offset == 0.0  # its clock kept time: never set
    finally:
        await sims.stop()
    log = await log_of(hub, RIVER)
    assert [(c["kind"], c["state"], c["by"]) for c in log] == [("query", "answered", "officer"),
                                                               ("set_clock", "answered", "auto"),
                                                               ("read_clock", "answered", "auto")]
    assert log[1]["request"].startswith("7E 7E") and "station clock now" in log[1]["detail"]  # type: ignore[union-attr]
    assert abs(log[2]["station_clock"] - (log[2]["done_at"] + DRIFT_S)) < 5  # type: ignore[operator]
    assert [(c["kind"], c["state"]) for c in await log_of(hub, RAIN)] == [
        ("query", "answered"), ("read_clock", "answered"), ("query", "not_connected")]
    async with httpx.AsyncClient(base_url=console_url(hub), headers=await signed_in(hub), timeout=30) as c:
        metrics = (await c.get("metrics")).text
    for kind, state, n in (("query", "answered", 2), ("set_clock", "answered", 1), ("read_clock", "answered", 2),
                           ("query", "not_connected", 1)):
        assert f'gridhub_station_commands_total{{kind="{kind}",protocol="sl651",state="{state}"}} {n}.0' in metrics
    async with httpx.AsyncClient(base_url=console_url(hub), headers=await signed_in(hub, Role.admin)) as c:
        audit = (await c.get("api/audit", params={"username": "officer"})).json()
    sent = [(a["target"], a["detail"]) for a in audit if a["action"] == "POST /api/devices/{device_id}/commands"]
    assert sent == [(f"/api/devices/{RAIN}/commands", f"query: answered (command {log[0]['id'] + 1})"),
                    (f"/api/devices/{RIVER}/commands", f"query: answered (command {log[0]['id']})"),
                    (f"/api/devices/{RAIN}/commands", "query: not_connected (command 1)")]


async def test_hj212_the_hub_sets_a_drifting_clock_and_queries_current_data_from_the_api(hub: Hub) -> None:
    sims = Hj212Simulators(simulated(hub), hub.ctx.sections["hj212"], DemoSettings(speed=30), time.time)
    station = next(s for s in sims.stations if s.device.id == QUALITY)
    station.clock_offset = DRIFT_S
    sims.start()
    try:
        await wait_for(lambda: abs(station.clock_offset) < 5, what="the hub to set the station's clock (CN=1012)")
        started = time.time()
        answered = (await command(hub, QUALITY, "query")).json()
        assert answered["state"] == "answered" and answered["readings"] >= 6, answered
        assert f"QN={answered['key']}" in answered["reply"] and "CN=2011" in answered["reply"]
        assert latest(hub, QUALITY)["cod"] >= started - 5
        read = (await command(hub, QUALITY, "read_clock")).json()  # its clock, set, now keeps the hub's time
        assert read["state"] == "answered" and abs(read["station_clock"] - read["done_at"]) < 5, read
    finally:
        await sims.stop()
    log = await log_of(hub, QUALITY)
    assert [(c["kind"], c["state"], c["by"]) for c in log] == [("read_clock", "answered", "officer"),
                                                               ("query", "answered", "officer"),
                                                               ("set_clock", "answered", "auto"),
                                                               ("read_clock", "answered", "auto")]
    assert "CN=1012" in log[2]["request"] and "SystemTime=" in log[2]["request"]  # type: ignore[operator]
    assert "CN=1011" in log[3]["request"] and "SystemTime=" in log[3]["reply"]  # type: ignore[operator]
    assert abs(log[3]["station_clock"] - (log[3]["done_at"] + DRIFT_S)) < 5  # type: ignore[operator]


async def test_a_station_that_never_answers_times_out_and_the_log_says_so(hub: Hub) -> None:
    tz = ZoneInfo(hub.ctx.town.town.timezone)
    now = datetime.now(tz)
    sl651 = await _dial(hub, "sl651", hex_frame(hex_body("38 12 12 50", sent=f"{now:%y%m%d%H%M%S}",
                                                         station=SILENT_SL651[1], observed=f"{now:%y%m%d%H%M}"),
                                                station=SILENT_SL651[1]))
    segment = (f"QN={now:%Y%m%d%H%M%S}000;ST=21;CN=2011;PW=123456;MN={SILENT_HJ212[1]};Flag=4;"
               f"CP=&&DataTime={now:%Y%m%d%H%M%S};w01010-Rtd=18.5,w01010-Flag=N&&")
    hj212 = await _dial(hub, "hj212", hj212_frame(segment))
    try:
        await wait_for(lambda: all(latest(hub, d) for d in (SILENT_SL651[0], SILENT_HJ212[0])),
                       what="the silent stations' first reports")
        for device in (SILENT_SL651[0], SILENT_HJ212[0]):
            started = time.monotonic()
            body = (await command(hub, device, "query")).json()
            assert body["state"] == "timed_out" and body["detail"] == f"no reply in {REPLY_TIMEOUT_S:g} s", body
            assert REPLY_TIMEOUT_S <= time.monotonic() - started < REPLY_TIMEOUT_S + 5
            assert [c["state"] for c in await log_of(hub, device)] == ["timed_out"]
    finally:
        sl651.close()
        hj212.close()


async def test_only_staff_send_commands_and_only_to_stations(hub: Hub) -> None:
    assert (await command(hub, RIVER, "query", Role.cadre)).status_code == 403
    assert (await command(hub, "RG01", "query")).status_code == 422  # an MQTT station: no commands
    assert (await command(hub, RIVER, "reboot")).status_code == 422


async def _dial(hub: Hub, edge: str, frame: bytes) -> socket.socket:
    port = next(s for s in hub.services if s.name == edge).port  # type: ignore[attr-defined]
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    await asyncio.to_thread(s.sendall, frame)
    return s
