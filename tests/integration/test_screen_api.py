"""The big screen's routes over real HTTP: the map, the KPIs and the setup, scoped to who asks."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from hub.alerts.model import Severity
from hub.app import Hub
from hub.settings import MqttSettings
from hub.users.model import Role
from tests.screen_support import BASIN, basin_grids, open_alert, raise_flood_risk
from tests.support import Mosquitto, console_url, hub_settings, make_hub, publish_level, signed_in, wait_for

pytestmark = pytest.mark.integration
SHIMEN = {"G19", "G20", "G21"}  # RS01's village
LIUWAN = {"G22", "G23", "G24", "G25"}


def features(town_map: dict[str, Any], layer: str) -> dict[str, dict[str, Any]]:
    return {f["id"]: f for f in town_map["features"] if f["properties"]["layer"] == layer}


async def get(hub: Hub, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
    async with httpx.AsyncClient(base_url=console_url(hub), headers=headers) as http:
        return await http.get(path)


async def raised_on_rs01(hub: Hub, broker: Mosquitto) -> int:
    await publish_level(broker.port, "RS01", hub, 58.4)  # over the warning level, 58.0: orange
    await wait_for(lambda: len(hub.ctx.alerts.book.open_alerts()) == 1, what="alert raised")
    await wait_for(lambda: hub.ctx.alerts.writer.backlog() == 0, what="alert stored")
    return hub.ctx.alerts.book.open_alerts()[0].id


async def test_the_officer_sees_the_town_and_a_cadre_their_village(tmp_path: Path, own_broker: Mosquitto) -> None:
    mqtt = MqttSettings(host="127.0.0.1", port=own_broker.port, keepalive_s=5)
    async with make_hub(hub_settings(tmp_path, mqtt)) as hub:
        await raised_on_rs01(hub, own_broker)
        officer, shimen, liuwan = (await signed_in(hub), await signed_in(hub, Role.cadre, "shimen"),
                                   await signed_in(hub, Role.cadre, "liuwan"))

        town = (await get(hub, "/api/map", officer)).json()
        grids, devices = features(town, "grid"), features(town, "device")
        assert len(grids) == 43 and len(devices) == len(hub.ctx.town.devices)
        assert {g for g, f in grids.items() if f["properties"]["severity"]} == {"G19"}
        assert grids["G19"]["properties"]["severity"] == "orange"
        assert grids["G19"]["geometry"]["coordinates"][0][0] == grids["G19"]["geometry"]["coordinates"][0][-1]
        assert devices["RS01"]["properties"]["levels"] == {"warning_level": 58.0, "guarantee_level": 59.5}
        assert devices["RS01"]["properties"]["state"] == "online"

        mine = (await get(hub, "/api/map", shimen)).json()
        assert set(features(mine, "grid")) == SHIMEN
        assert features(mine, "grid")["G19"]["properties"]["severity"] == "orange"
        theirs = (await get(hub, "/api/map", liuwan)).json()
        assert set(features(theirs, "grid")) == LIUWAN
        assert set(features(theirs, "device")) == {"RS02", "CAM15", "CAM16", "SPK16", "SPK17", "SPK18"}
        assert (await get(hub, "/api/devices/RS01", liuwan)).status_code == 403
        assert (await get(hub, "/api/readings?device=RS01&quantity=water_level", liuwan)).status_code == 403


async def test_kpis_count_what_each_may_see(tmp_path: Path, own_broker: Mosquitto) -> None:
    mqtt = MqttSettings(host="127.0.0.1", port=own_broker.port, keepalive_s=5)
    async with make_hub(hub_settings(tmp_path, mqtt)) as hub:
        alert_id = await raised_on_rs01(hub, own_broker)
        officer, liuwan = await signed_in(hub), await signed_in(hub, Role.cadre, "liuwan")
        async with httpx.AsyncClient(base_url=console_url(hub), headers=officer) as http:
            acked = await http.post(f"/api/alerts/{alert_id}/acknowledge", json={"note": "已联系网格员"})
            assert acked.status_code == 200, acked.text
            await wait_for(lambda: hub.ctx.alerts.writer.backlog() == 0, what="stored")
            kpis = (await http.get("/api/kpis")).json()
        assert (kpis["alerts_today"], kpis["open"], kpis["open_by_severity"]["orange"]) == (1, 1, 1)
        assert (kpis["acknowledged_today"], kpis["acknowledged_in_time"], kpis["overdue"]) == (1, 1, 0)
        assert (kpis["teams_available"], kpis["teams_total"]) == (13, 13)
        assert kpis["devices"]["river_station"] == {"online": 1, "total": 4, "unmonitored": 0}
        assert kpis["devices"]["camera"] == {"online": 0, "total": 24, "unmonitored": 0}  # video is off here

        theirs = (await get(hub, "/api/kpis", liuwan)).json()
        assert (theirs["alerts_today"], theirs["open"], theirs["acknowledged_today"]) == (0, 0, 0)
        assert (theirs["teams_total"], theirs["devices"]["river_station"]["total"]) == (1, 1)


class MovingClock:
    """The hub's clock, moved by the test; started clear of the town's midnight, so "today" holds throughout."""

    def __init__(self) -> None:
        now = time.time()
        local = datetime.fromtimestamp(now, ZoneInfo("Asia/Shanghai"))
        self.now = now - 3600 if local.hour == 23 else now

    def __call__(self) -> float:
        return self.now


async def test_acknowledged_in_time_is_judged_by_the_severity_an_alert_was_raised_with(
        tmp_path: Path, own_broker: Mosquitto) -> None:
    clock = MovingClock()
    mqtt = MqttSettings(host="127.0.0.1", port=own_broker.port, keepalive_s=5)
    async with make_hub(hub_settings(tmp_path, mqtt), clock=clock) as hub, \
            httpx.AsyncClient(base_url=console_url(hub), headers=await signed_in(hub)) as http:
        await publish_level(own_broker.port, "RS01", hub, 58.4, ts=clock.now - 60)  # orange: 15 minutes' grace
        await publish_level(own_broker.port, "RS02", hub, 57.6, ts=clock.now - 60)  # orange too
        rose = await open_alert(hub, "river-level", "RS01")
        waited = await open_alert(hub, "river-level", "RS02")
        await publish_level(own_broker.port, "RS01", hub, 59.6, ts=clock.now)  # past its guarantee level: red, 5
        await wait_for(lambda: hub.ctx.alerts.book.by_id[rose.id].severity is Severity.RED, what="RS01 red")

        clock.now += 600  # ten minutes: late for red, in time for the orange it was raised with
        assert (await http.get("/api/kpis")).json()["overdue"] == 0
        assert (await http.post(f"/api/alerts/{rose.id}/acknowledge", json={"note": "已联系"})).status_code == 200
        clock.now += 600  # twenty minutes: RS02's orange alert is past its limit
        assert (await http.get("/api/kpis")).json()["overdue"] == 1
        assert (await http.post(f"/api/alerts/{waited.id}/acknowledge", json={"note": "迟了"})).status_code == 200
        await wait_for(lambda: hub.ctx.alerts.writer.backlog() == 0, what="stored")
        history = (await http.get(f"/api/alerts/{rose.id}")).json()["history"]
        kpis = (await http.get("/api/kpis")).json()
    # The chain climbs by the current severity: red's five minutes may have passed before the acknowledgement.
    assert [(h["action"], h["severity"]) for h in history if h["action"] != "escalate"] == [
        ("raise", "orange"), ("severity", "red"), ("acknowledge", "red")]
    assert (kpis["alerts_today"], kpis["acknowledged_today"], kpis["acknowledged_in_time"], kpis["overdue"]) == (
        2, 2, 1, 0)


async def test_without_a_session_only_the_session_question_answers(tmp_path: Path, own_broker: Mosquitto) -> None:
    mqtt = MqttSettings(host="127.0.0.1", port=own_broker.port, keepalive_s=5)
    async with make_hub(hub_settings(tmp_path, mqtt)) as hub:
        for path in ("/api/map", "/api/kpis", "/api/screen/setup", "/api/screen/snapshots"):
            assert (await get(hub, path)).status_code == 401, path
        assert (await get(hub, "/api/screen/session")).json() == {"user": None}
        cadre = await signed_in(hub, Role.cadre, "liuwan")
        assert (await get(hub, "/api/screen/session", cadre)).json()["user"]["village"] == "liuwan"
        worker = await signed_in(hub, Role.grid_worker)  # their pages ask it too, and enter for their roles only
        assert (await get(hub, "/api/screen/session", worker)).json()["user"]["grids"] == ["G19"]
        setup = (await get(hub, "/api/screen/setup", cadre)).json()
        assert (setup["town"], setup["cameras_running"], setup["tiles"]) == ("青溪镇", False, None)
        assert setup["acknowledge_within_min"]["red"] == 5
        assert (await get(hub, "/api/screen/snapshots", cadre)).json() == []
        assert (await get(hub, "/vendor/leaflet/leaflet.css")).status_code == 200
        assert (await get(hub, "/vendor/echarts/echarts.esm.min.js")).status_code == 200


async def test_a_basin_wide_alert_colours_the_basin_villages_and_a_cadre_sees_their_own_grids_of_it(
        tmp_path: Path, own_broker: Mosquitto) -> None:
    mqtt = MqttSettings(host="127.0.0.1", port=own_broker.port, keepalive_s=5)
    async with make_hub(hub_settings(tmp_path, mqtt)) as hub:
        flood = await raise_flood_risk(hub, own_broker.port)
        assert (flood.grid, flood.village, flood.severity.value) == (None, None, "red")
        officer, liuwan = await signed_in(hub), await signed_in(hub, Role.cadre, "liuwan")
        grids = features((await get(hub, "/api/map", officer)).json(), "grid")
        red = {g for g, f in grids.items() if f["properties"]["severity"] == "red"}
        assert red == basin_grids(hub.ctx.town) and red >= LIUWAN and len(red) < len(grids)
        devices = features((await get(hub, "/api/map", officer)).json(), "device")
        assert devices["RS02"]["properties"]["basin"] == BASIN
        shown = (await get(hub, f"/api/alerts/{flood.id}", officer)).json()
        assert (shown["basin"], shown["grid"], shown["village"]) == (BASIN, None, None)

        theirs = features((await get(hub, "/api/map", liuwan)).json(), "grid")
        assert {g: f["properties"]["severity"] for g, f in theirs.items()} == dict.fromkeys(LIUWAN, "red")
        assert (await get(hub, f"/api/alerts/{flood.id}", liuwan)).json()["wide"] == "basin"
