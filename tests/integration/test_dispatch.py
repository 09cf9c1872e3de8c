"""Dispatch end to end over real HTTP and WebSockets: the centre sends teams, phones work the job."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np
import pytest
import websockets

from hub.app import Hub
from hub.settings import MqttSettings
from hub.users.model import Role
from tests.support import (
    ManualClock,
    Mosquitto,
    console_url,
    hub_settings,
    make_hub,
    publish_level,
    signed_in,
    wait_for,
)

pytestmark = pytest.mark.integration
SCENE = {"lon": 113.0668, "lat": 27.2151, "accuracy_m": 8.0}


def settings(tmp_path: Path, broker: Mosquitto) -> Any:
    return hub_settings(tmp_path, MqttSettings(host="127.0.0.1", port=broker.port, keepalive_s=5))


async def raise_alert(hub: Hub, broker: Mosquitto) -> int:
    await publish_level(broker.port, "RS01", hub, 58.4)
    await wait_for(lambda: len(hub.ctx.alerts.book.open_alerts()) == 1, what="alert raised")
    return hub.ctx.alerts.book.open_alerts()[0].id


async def phone(http: httpx.AsyncClient, member: str) -> dict[str, str]:
    """Sign a member's phone in through a one-time link; the headers it then sends."""
    link = (await http.post(f"/api/members/{member}/login-link")).json()
    assert link["url"].endswith(f"/m/#code={link['code']}") and link["qr_svg"].startswith("<?xml")
    signed = await http.post("/api/phone/sign-in", json={"code": link["code"]})
    assert signed.status_code == 200 and signed.json()["member"] == member
    again = await http.post("/api/phone/sign-in", json={"code": link["code"]})
    assert again.status_code == 403  # a link signs in once
    return {"Authorization": f"Bearer {signed.json()['token']}"}


async def take(http: httpx.AsyncClient, headers: dict[str, str], dispatch: int, key: str, step: str,
               **extra: object) -> httpx.Response:
    """A phone's step on *dispatch* under the idempotency *key*."""
    body = {"dispatch": dispatch, "key": key, "step": step, **extra}
    return await http.post("/api/phone/steps", headers=headers, json=body)


def jpeg() -> bytes:
    image = np.zeros((120, 160, 3), np.uint8)
    cv2.circle(image, (80, 60), 30, (0, 160, 255), -1)
    return bytes(cv2.imencode(".jpg", image)[1].tobytes())


async def test_a_dispatch_worked_from_a_phone(tmp_path: Path, own_broker: Mosquitto) -> None:
    async with make_hub(settings(tmp_path, own_broker)) as hub, \
            httpx.AsyncClient(base_url=console_url(hub), headers=await signed_in(hub)) as http:
        alert_id = await raise_alert(hub, own_broker)
        ranked = (await http.get(f"/api/alerts/{alert_id}/recommendations")).json()
        assert len(ranked) == 13 and all(r["basis"] == "base" for r in ranked)
        assert ranked == sorted(ranked, key=lambda r: r["distance_km"])
        t01 = await phone(http, "T01.1")
        t02 = await phone(http, "T02.1")
        ws_url = console_url(hub).replace("http", "ws", 1)
        async with websockets.connect(f"{ws_url}ws/phone?token={t01['Authorization'][7:]}") as ws1, \
                websockets.connect(f"{ws_url}ws/phone?token={t02['Authorization'][7:]}") as ws2:
            assert json.loads(await ws1.recv())["me"]["jobs"] == []
            await ws2.recv()
            made = await http.post("/api/dispatches", json={"alert_id": alert_id, "teams": ["T01"],
                                                            "instructions": "沿河堤巡查，疏散低洼处群众"})
            assert made.status_code == 201
            [dispatch] = made.json()
            pushed = json.loads(await asyncio.wait_for(ws1.recv(), 1.0))  # within a second
            assert pushed["entry"]["action"] == "assign" and pushed["dispatch"]["id"] == dispatch["id"]
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(ws2.recv(), 0.3)  # another team hears nothing of it
        assert hub.ctx.alerts.book.by_id[alert_id].state.value == "dispatched"

        job = dispatch["id"]
        first = await take(http, t01, job, "k-ack-0001", "acknowledge")
        repeat = await take(http, t01, job, "k-ack-0001", "acknowledge")
        assert (first.json()["replayed"], repeat.json()["replayed"]) == (False, True)
        assert first.json()["seq"] == repeat.json()["seq"]
        assert (await take(http, t02, job, "k-x-000001", "en_route")).status_code == 403
        no_fix = await take(http, t01, job, "k-os-00001", "on_scene")
        assert no_fix.status_code == 409 and "GPS" in no_fix.json()["detail"]
        for key, name in (("k-er-00001", "en_route"), ("k-os-00002", "on_scene")):
            done = await take(http, t01, job, key, name, location=SCENE)
            assert done.status_code == 200, done.text
        photo = await http.post("/api/phone/photos?key=k-photo-01", headers=t01, content=jpeg())
        assert photo.status_code == 201
        assert (await http.post("/api/phone/photos?key=k-photo-02", headers=t01, content=b"junk")).status_code == 422
        cleared = await take(http, t01, job, "k-cl-00001", "clear", note="群众已转移，堤防无险情",
                             photo=photo.json()["photo"])
        assert cleared.json()["state"] == "cleared"

        detail = (await http.get(f"/api/dispatches/{dispatch['id']}")).json()
        assert [e["action"] for e in detail["log"]] == ["assign", "acknowledge", "en_route", "on_scene", "clear"]
        assert [e["actor"] for e in detail["log"]][1:] == ["T01.1"] * 4
        assert detail["log"][3]["location"]["lon"] == SCENE["lon"]
        image = await http.get(f"/api/photos/{detail['log'][4]['photo']}")
        assert image.headers["content-type"] == "image/jpeg" and image.content[:2] == b"\xff\xd8"
        teams = {t["id"]: t for t in (await http.get("/api/teams")).json()}
        assert teams["T01"]["status"] == "returning" and teams["T01"]["location"]["lat"] == SCENE["lat"]
        metrics = (await http.get("/api/dispatch-metrics")).json()
        assert metrics["T01"]["dispatches"] == 1 and metrics["T01"]["clear_min"] is not None
        assert (await http.get("/api/phone/me")).status_code == 403  # a duty officer's session is no phone


async def test_an_unacknowledged_dispatch_reminds_then_escalates_and_survives_a_restart(
        tmp_path: Path, own_broker: Mosquitto) -> None:
    clock = ManualClock()
    async with make_hub(settings(tmp_path, own_broker), clock=clock) as hub, \
            httpx.AsyncClient(base_url=console_url(hub), headers=await signed_in(hub)) as http:
        alert_id = await raise_alert(hub, own_broker)
        [dispatch] = (await http.post("/api/dispatches", json={"alert_id": alert_id, "teams": ["T03"],
                                                               "instructions": "前往核查"})).json()
        t03 = await phone(http, "T03.2")
        clock.now += 5 * 60
        await wait_for(lambda: hub.ctx.dispatch.book.dispatches[dispatch["id"]].reminded, timeout=10, what="remind")
        clock.now += 5 * 60
        await wait_for(lambda: hub.ctx.dispatch.book.dispatches[dispatch["id"]].escalated, timeout=10,
                       what="escalate")
        ack = {"dispatch": dispatch["id"], "key": "k-restart-1", "step": "acknowledge"}
        assert (await http.post("/api/phone/steps", headers=t03, json=ack)).json()["replayed"] is False
    async with make_hub(settings(tmp_path, own_broker), clock=clock) as hub, \
            httpx.AsyncClient(base_url=console_url(hub), headers=await signed_in(hub)) as http:
        assert hub.ctx.dispatch.book.dispatches[dispatch["id"]].state.value == "acknowledged"
        again = await http.post("/api/phone/steps", headers=t03, json=ack)  # the phone's token and key survive
        assert again.status_code == 200 and again.json()["replayed"] is True
        log = (await http.get(f"/api/dispatches/{dispatch['id']}")).json()["log"]
        assert [e["action"] for e in log] == ["assign", "remind", "escalate", "acknowledge"]


async def test_the_roster_is_edited_with_numbers_for_life(tmp_path: Path, own_broker: Mosquitto) -> None:
    async with make_hub(settings(tmp_path, own_broker)) as hub, \
            httpx.AsyncClient(base_url=console_url(hub), headers=await signed_in(hub)) as http:
        before = {t["id"]: t for t in (await http.get("/api/teams")).json()}["T04"]["members"]
        added = await http.post("/api/teams/T04/members", json={"name": "李新", "phone": "13907310099"})
        assert added.status_code == 201
        newcomer = f"T04.{len(before) + 1}"
        assert added.json()["members"][-1] == {"id": newcomer, "name": "李新", "role": "队员"}
        headers = await phone(http, newcomer)
        assert (await http.get("/api/phone/me", headers=headers)).json()["team"]["id"] == "T04"
        leaving = before[0]["id"]
        gone = await http.delete(f"/api/members/{leaving}")
        assert [m["id"] for m in gone.json()["members"]] == [m["id"] for m in before[1:]] + [newcomer]
        assert (await http.post(f"/api/members/{leaving}/login-link")).status_code == 404
        moved = await http.patch("/api/teams/T04", json={"base_grid": "G01", "name": "青溪巡防四队"})
        assert (moved.json()["base_grid"], moved.json()["name"]) == ("G01", "青溪巡防四队")
        assert (await http.patch("/api/teams/T04", json={"base_grid": "G99"})).status_code == 404
    async with make_hub(settings(tmp_path, own_broker)) as hub, \
            httpx.AsyncClient(base_url=console_url(hub), headers=await signed_in(hub)) as http:
        team = {t["id"]: t for t in (await http.get("/api/teams")).json()}["T04"]
        assert team["members"][-1]["id"] == newcomer and leaving not in [m["id"] for m in team["members"]]
        assert (await http.get("/api/phone/me", headers=headers)).status_code == 200  # still signed in
        log = await asyncio.to_thread(hub.ctx.dispatch.store.entries, None, "T04")
        assert [e.action.value for e in log] == ["team_edit"] * 3


async def test_the_screen_sees_which_phones_are_signed_in_and_online(tmp_path: Path, own_broker: Mosquitto) -> None:
    async with make_hub(settings(tmp_path, own_broker)) as hub, \
            httpx.AsyncClient(base_url=console_url(hub), headers=await signed_in(hub)) as http:
        async def presence() -> dict[str, dict[str, Any]]:
            answer = await http.get("/api/teams/T03/phones")
            assert answer.status_code == 200, answer.text
            return {p["member"]: p for p in answer.json()}

        before = await presence()
        assert set(before) == {m.id for m in hub.ctx.dispatch.roster.of_team("T03")}
        assert all(p["phones"] == 0 and p["signed_in_at"] is None and not p["online"] for p in before.values())
        token = (await phone(http, "T03.1"))["Authorization"][7:]
        await phone(http, "T03.1")  # a second phone of the same member
        signed = (await presence())["T03.1"]
        assert (signed["phones"], signed["online"]) == (2, False) and signed["signed_in_at"] is not None
        assert (await presence())["T03.2"]["phones"] == 0
        ws_url = console_url(hub).replace("http", "ws", 1)
        async with websockets.connect(f"{ws_url}ws/phone?token={token}") as ws:
            assert json.loads(await ws.recv())["type"] == "hello"
            assert (await presence())["T03.1"]["online"]

        async def offline() -> bool:
            return not (await presence())["T03.1"]["online"]
        await wait_for(offline, what="the phone's feed closed")
        assert (await http.get("/api/teams/T99/phones")).status_code == 404
        cadre = {"Authorization": (await signed_in(hub, Role.cadre, "shimen"))["Authorization"]}
        assert (await http.get("/api/teams/T03/phones", headers=cadre)).status_code == 403


async def test_a_jobs_track_is_what_its_phones_shared_while_it_was_on(tmp_path: Path, own_broker: Mosquitto) -> None:
    async with make_hub(settings(tmp_path, own_broker)) as hub, \
            httpx.AsyncClient(base_url=console_url(hub), headers=await signed_in(hub)) as http:
        alert_id = await raise_alert(hub, own_broker)
        t05 = await phone(http, "T05.1")

        async def share(lon: float) -> None:
            fix = {"lon": lon, "lat": 27.2151, "accuracy_m": 10}
            assert (await http.post("/api/phone/location", headers=t05, json=fix)).status_code == 204

        await share(113.0600)  # before the job: not part of it
        made = await http.post("/api/dispatches", json={"alert_id": alert_id, "teams": ["T05"], "instructions": "巡查"})
        job = made.json()[0]["id"]
        for lon in (113.0620, 113.0640, 113.0660):
            await share(lon)
        assert (await http.post(f"/api/dispatches/{job}/cancel", json={"reason": "险情已排除"})).status_code == 200
        await share(113.0500)  # on the way home: after the job
        detail = (await http.get(f"/api/dispatches/{job}")).json()
        assert [f["lon"] for f in detail["track"]] == [113.0620, 113.0640, 113.0660]
        assert all(f["accuracy_m"] == 10 for f in detail["track"])


async def test_a_phones_sign_in_ends_when_it_expires_though_it_was_used(tmp_path: Path,
                                                                          own_broker: Mosquitto) -> None:
    clock = ManualClock()
    async with make_hub(settings(tmp_path, own_broker), clock=clock) as hub, \
            httpx.AsyncClient(base_url=console_url(hub), headers=await signed_in(hub)) as http:
        headers = await phone(http, "T03.2")
        assert (await http.get("/api/phone/me", headers=headers)).status_code == 200  # and now it is held in memory
        clock.now += hub.ctx.dispatch.config.session_days * 86400 + 1
        assert (await http.get("/api/phone/me", headers=headers)).status_code == 401
