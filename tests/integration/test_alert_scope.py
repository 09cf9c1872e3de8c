"""A flood night as a village cadre sees it: the basin- and town-wide alerts that cover their village, read-only,
over REST, the live feed and its resume, the map and the KPIs; another village's alerts stay out of sight."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from hub.alerts.model import Alert
from hub.app import Hub
from hub.settings import MqttSettings
from hub.users.model import Role
from tests.screen_support import OFF_BASIN, basin_grids, open_alert, raise_flood_risk, town_with_town_wide_rule
from tests.support import Mosquitto, console_url, hub_settings, make_hub, signed_in

pytestmark = pytest.mark.integration
LIUWAN = {"G22", "G23", "G24", "G25"}  # on the basin, with none of RS01's alerts (those are shimen's)


@dataclass
class FloodNight:
    """The flood-risk alert of the basin and the town's, both raised from RS01's reports in shimen."""

    hub: Hub
    http: httpx.AsyncClient
    flood: Alert
    town_wide: Alert
    shimens: set[int]  # RS01's own alerts: river-rise and rainfall
    auth: dict[str, dict[str, str]]  # officer, and the cadres of shimen, liuwan and fenglin

    async def get(self, who: str, path: str, **params: Any) -> httpx.Response:
        return await self.http.get(path, params=params, headers=self.auth[who])

    async def post(self, who: str, path: str, body: dict[str, Any]) -> httpx.Response:
        return await self.http.post(path, json=body, headers=self.auth[who])

    async def alert_ids(self, who: str, **params: Any) -> set[int]:
        answer = await self.get(who, "/api/alerts", **params)
        assert answer.status_code == 200, answer.text
        return {a["id"] for a in answer.json()}


@pytest.fixture
async def night(tmp_path: Path, own_broker: Mosquitto) -> AsyncIterator[FloodNight]:
    mqtt = MqttSettings(host="127.0.0.1", port=own_broker.port, keepalive_s=5)
    async with make_hub(hub_settings(tmp_path, mqtt), town_with_town_wide_rule()) as hub, \
            httpx.AsyncClient(base_url=console_url(hub)) as http:
        flood = await raise_flood_risk(hub, own_broker.port)
        town_wide = await open_alert(hub, "town-flood")
        shimens = {a.id for a in hub.ctx.alerts.book.open_alerts() if a.village == "shimen"}
        auth = {"officer": await signed_in(hub)} | {
            village: await signed_in(hub, Role.cadre, village) for village in ("shimen", "liuwan", OFF_BASIN)}
        yield FloodNight(hub, http, flood, town_wide, shimens, auth)


async def test_a_cadre_lists_and_reads_the_alerts_covering_their_village(night: FloodNight) -> None:
    assert (night.town_wide.village, night.town_wide.grid, night.town_wide.source) == (None, None, "town:town")
    assert len(night.shimens) == 2
    wide = {night.flood.id, night.town_wide.id}
    assert await night.alert_ids("officer") == night.shimens | wide
    assert await night.alert_ids("shimen") == night.shimens | wide
    assert await night.alert_ids("liuwan") == wide
    assert await night.alert_ids(OFF_BASIN) == {night.town_wide.id}  # the river does not run through fenglin
    assert await night.alert_ids("liuwan", village="liuwan", state="open") == wide
    assert await night.alert_ids("liuwan", rule="flood-risk") == {night.flood.id}
    assert (await night.get("liuwan", "/api/alerts", village="shimen")).status_code == 403

    flood = (await night.get("liuwan", f"/api/alerts/{night.flood.id}")).json()
    assert (flood["wide"], flood["village"], [h["action"] for h in flood["history"]]) == ("basin", None, ["raise"])
    assert (await night.get("liuwan", f"/api/alerts/{night.town_wide.id}")).json()["wide"] == "town"
    assert (await night.get(OFF_BASIN, f"/api/alerts/{night.flood.id}")).status_code == 403
    for alert_id in night.shimens:
        assert (await night.get("liuwan", f"/api/alerts/{alert_id}")).status_code == 403
        assert (await night.get("shimen", f"/api/alerts/{alert_id}")).json()["wide"] is None


async def test_acting_on_a_covering_alert_is_the_centres(night: FloodNight) -> None:
    for alert in (night.flood, night.town_wide):
        for action in ("acknowledge", "resolve"):
            refused = await night.post("liuwan", f"/api/alerts/{alert.id}/{action}", {"note": "收到"})
            assert refused.status_code == 403, (alert.rule, action)
            assert "acted on by the centre" in refused.json()["detail"] and "read-only" in refused.json()["detail"]
        staff_only = [("POST", f"/api/alerts/{alert.id}/close", {"note": "x"}),
                      ("POST", f"/api/alerts/{alert.id}/case", {}),
                      ("GET", f"/api/alerts/{alert.id}/recommendations", None),
                      ("POST", "/api/dispatches", {"alert_id": alert.id, "teams": ["T07"], "instructions": "巡查"}),
                      ("POST", "/api/calls", {"alert_id": alert.id, "villages": ["liuwan"]})]
        for method, path, body in staff_only:
            answer = await night.http.request(method, path, json=body, headers=night.auth["liuwan"])
            assert answer.status_code == 403, (method, path)
    assert night.hub.ctx.alerts.book.by_id[night.flood.id].state.value == "raised"

    own = min(night.shimens)  # shimen's cadre still acts on shimen's own alerts
    assert (await night.post("shimen", f"/api/alerts/{own}/acknowledge", {"note": "已到现场"})).status_code == 200
    taken = await night.post("officer", f"/api/alerts/{night.flood.id}/acknowledge", {"note": "中心已接警"})
    assert taken.status_code == 200
    sent = await night.post("officer", "/api/dispatches", {"alert_id": night.flood.id, "teams": ["T07"],
                                                          "instructions": "沿河巡查"})
    assert sent.status_code == 201
    # The cadre follows what the centre does about it: the dispatch is theirs to read, not to change.
    listed = (await night.get("liuwan", "/api/dispatches", alert_id=night.flood.id)).json()
    assert [d["team"] for d in listed] == ["T07"]
    assert (await night.get("liuwan", f"/api/dispatches/{listed[0]['id']}")).status_code == 200
    assert (await night.get(OFF_BASIN, f"/api/dispatches/{listed[0]['id']}")).status_code == 403
    cancel = await night.post("liuwan", f"/api/dispatches/{listed[0]['id']}/cancel", {"reason": "x"})
    assert cancel.status_code == 403


async def test_the_feed_brings_a_cadre_the_covering_alerts_live_and_on_resume(night: FloodNight) -> None:
    base = console_url(night.hub).replace("http", "ws", 1)
    async with websockets.connect(f"{base}ws/alerts", additional_headers=night.auth["liuwan"]) as liuwan, \
            websockets.connect(f"{base}ws/alerts", additional_headers=night.auth[OFF_BASIN]) as fenglin:
        snapshot = json.loads(await liuwan.recv())
        assert {a["id"] for a in snapshot["alerts"]} == {night.flood.id, night.town_wide.id}
        assert {a["id"] for a in json.loads(await fenglin.recv())["alerts"]} == {night.town_wide.id}
        for alert in (night.flood, night.town_wide):
            acked = await night.post("officer", f"/api/alerts/{alert.id}/acknowledge", {"note": "中心已接警"})
            assert acked.status_code == 200
        await night.post("shimen", f"/api/alerts/{min(night.shimens)}/acknowledge", {"note": "已到现场"})
        await night.post("officer", f"/api/alerts/{night.town_wide.id}/resolve", {"note": "雨停"})  # the last
        heard = await transitions_until(liuwan, night.town_wide.id, "resolve")
        assert heard == [(night.flood.id, "acknowledge"), (night.town_wide.id, "acknowledge"),
                         (night.town_wide.id, "resolve")]
        assert await transitions_until(fenglin, night.town_wide.id, "resolve") == [
            (night.town_wide.id, "acknowledge"), (night.town_wide.id, "resolve")]

    async with websockets.connect(f"{base}ws/alerts?since=0", additional_headers=night.auth["liuwan"]) as resumed:
        assert json.loads(await resumed.recv())["type"] == "resumed"
        replayed = await transitions_until(resumed, night.town_wide.id, "resolve")
    assert {alert for alert, _ in replayed} == {night.flood.id, night.town_wide.id}
    assert [action for alert, action in replayed if alert == night.flood.id] == ["raise", "acknowledge"]


async def transitions_until(ws: websockets.ClientConnection, alert_id: int, action: str) -> list[tuple[int, str]]:
    """The (alert, action) of every transition the feed sends, up to and including *action* on *alert_id*."""
    heard: list[tuple[int, str]] = []
    while not heard or heard[-1] != (alert_id, action):
        message = json.loads(await ws.recv())
        if message["type"] == "alert":
            heard.append((message["alert"]["id"], message["action"]))
    return heard


async def test_the_map_and_kpis_of_a_cadre_count_what_covers_their_village(night: FloodNight) -> None:
    def severities(town_map: dict[str, Any]) -> dict[str, str | None]:
        return {f["id"]: f["properties"]["severity"] for f in town_map["features"]
                if f["properties"]["layer"] == "grid"}

    officers = severities((await night.get("officer", "/api/map")).json())
    assert {g for g, s in officers.items() if s == "red"} == basin_grids(night.hub.ctx.town)  # the town's: none
    assert severities((await night.get("liuwan", "/api/map")).json()) == dict.fromkeys(LIUWAN, "red")
    calm = severities((await night.get(OFF_BASIN, "/api/map")).json())
    assert calm and set(calm.values()) == {None}  # a town-wide alert colours no grid: the screen shows a banner

    counted = {who: (await night.get(who, "/api/kpis")).json() for who in ("officer", "liuwan", OFF_BASIN)}
    assert [(k["alerts_today"], k["open"]) for k in counted.values()] == [(4, 4), (2, 2), (1, 1)]
    assert counted["liuwan"]["open_by_severity"] == {"blue": 0, "yellow": 0, "orange": 1, "red": 1}
