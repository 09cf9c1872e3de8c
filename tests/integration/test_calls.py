"""Calls against a real Janus (no browser): opened from an alert, cadres told, who may join, leave, remove, end,
and what the alert's history keeps."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from adapters.janus.config import JanusSection
from adapters.janus.process import JanusProcess
from console.calls.feed import CallFeed
from console.calls.schemas import CallReady, CallUpdate
from console.fanout import Policy
from console.service import ConsoleService
from hub.app import Hub
from hub.settings import MqttSettings
from hub.townfile import LoadedTown
from hub.users.model import Role
from tests.support import (
    Mosquitto,
    console_url,
    hub_settings,
    make_hub,
    publish_level,
    sample_town,
    signed_in,
    wait_for,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(90)]
RS01_VILLAGE = "shimen"  # RS01 stands in grid G19


def janus_town(**janus: Any) -> LoadedTown:
    """The sample town with a quieter Janus log."""
    loaded = sample_town()
    section = JanusSection.model_validate({"debug_level": 3, **janus})
    return dataclasses.replace(loaded, sections={**loaded.sections, "janus": section})


@pytest.fixture
async def hub(tmp_path: Path, own_broker: Mosquitto) -> AsyncIterator[Hub]:
    mqtt = MqttSettings(host="127.0.0.1", port=own_broker.port, keepalive_s=5)
    async with make_hub(hub_settings(tmp_path, mqtt), janus_town()) as running:
        yield running


def ws_url(hub: Hub, path: str) -> str:
    return console_url(hub).replace("http://", "ws://").rstrip("/") + path


async def closed_with(hub: Hub, path: str, headers: dict[str, str]) -> int | None:
    """Open *path* and read until the hub closes it: its close code."""
    async with connect(ws_url(hub, path), additional_headers=headers) as ws:
        try:
            while True:
                await asyncio.wait_for(ws.recv(), 10)
        except ConnectionClosed:
            return ws.close_code


async def next_of(ws: ClientConnection, kind: str) -> dict[str, Any]:
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if message["type"] == kind:
            return message  # type: ignore[no-any-return]


async def test_a_call_from_an_alert(hub: Hub, own_broker: Mosquitto) -> None:
    await publish_level(own_broker.port, "RS01", hub, 58.4)
    await wait_for(lambda: len(hub.ctx.alerts.book.open_alerts()) == 1, what="alert raised")
    alert = hub.ctx.alerts.book.open_alerts()[0]
    assert alert.village == RS01_VILLAGE
    officer, cadre, other = (await signed_in(hub), await signed_in(hub, Role.cadre, RS01_VILLAGE),
                             await signed_in(hub, Role.cadre, "bailu"))
    async with httpx.AsyncClient(base_url=console_url(hub), headers=officer) as http, \
            connect(ws_url(hub, "/ws/calls"), additional_headers=cadre) as feed, \
            connect(ws_url(hub, "/ws/calls"), additional_headers=other) as other_feed:
        assert (await next_of(feed, "hello"))["calls"] == []
        await next_of(other_feed, "hello")
        made = await http.post("/api/calls", json={"alert_id": alert.id})
        assert made.status_code == 201, made.text
        call = made.json()
        assert call["villages"] == [RS01_VILLAGE] and call["title"] == alert.title
        assert call["url"] == f"/call/#{call['id']}"
        told = await next_of(feed, "call")  # the cadre's console hears of it at once
        assert told["call"]["id"] == call["id"] and told["entry"]["action"] == "open"
        await check_who_may_join(hub, call["id"], other, http)
        await join_and_leave(hub, call["id"], cadre, officer)
        await check_removal(hub, call["id"], cadre, http)
        ended = await http.post(f"/api/calls/{call['id']}/end")
        assert ended.json()["state"] == "ended"
        with pytest.raises(asyncio.TimeoutError):
            await next_of(other_feed, "call")  # another village never hears of it
        history = (await http.get(f"/api/alerts/{alert.id}")).json()["history"]
        notes = [h["note"] for h in history if h["action"] == "note"]
        assert notes[0].startswith(f"视频调度 #{call['id']}「") and "邀请石门村" in notes[0], notes
        assert notes[-1].startswith(f"视频调度 #{call['id']} 结束") and "进出 3 次" in notes[-1], notes
        detail = (await http.get(f"/api/calls/{call['id']}")).json()
        assert [e["action"] for e in detail["log"]] == [
            "open", "join", "join", "leave", "rejoin", "drop", "drop", "rejoin", "remove", "end"]
        assert hub.ctx.alerts.book.by_id[alert.id].state.value == "raised"  # a call changes nothing of the alert


async def check_who_may_join(hub: Hub, call_id: int, other: dict[str, str], http: httpx.AsyncClient) -> None:
    assert await closed_with(hub, f"/ws/calls/{call_id}", other) == 4403  # a cadre of a village not invited
    assert await closed_with(hub, f"/ws/calls/{call_id}", {}) == 4401
    assert await closed_with(hub, f"/ws/calls/{call_id + 1}", await signed_in(hub)) == 4404
    assert (await http.get(f"/api/calls/{call_id}", headers=other)).status_code == 403
    assert (await http.post(f"/api/calls/{call_id}/end", headers=other)).status_code == 403


async def join_and_leave(hub: Hub, call_id: int, cadre: dict[str, str], officer: dict[str, str]) -> None:
    """The officer and the cadre join; the cadre leaves and comes back; both show in the call."""
    async with connect(ws_url(hub, f"/ws/calls/{call_id}"), additional_headers=officer) as centre:
        ready = await next_of(centre, "ready")
        assert ready["ice_servers"] == [] and ready["relay_only"] is False  # no STUN; TURN only when configured
        CallReady.model_validate(ready)
        async with connect(ws_url(hub, f"/ws/calls/{call_id}"), additional_headers=cadre) as village:
            await next_of(village, "ready")
            rooms = call_feed(hub).rooms  # the call sockets take updates from the shared fan-out, latest only
            assert (len(rooms), rooms.policy, rooms.limit) == (2, Policy.drop_oldest, 1)
            await village.send(json.dumps({"type": "mute", "audio": True, "video": False}))
            update = await next_of(centre, "call")
            while len(update["call"]["participants"]) < 2 or not update["call"]["participants"][1]["audio_muted"]:
                update = await next_of(centre, "call")
            CallUpdate.model_validate(update)
            await village.send(json.dumps({"type": "leave"}))
            await wait_for(lambda: presence(hub, call_id, f"cadre.{RS01_VILLAGE}") == "left", what="left")
        async with connect(ws_url(hub, f"/ws/calls/{call_id}"), additional_headers=cadre) as village:
            await next_of(village, "ready")
            assert presence(hub, call_id, f"cadre.{RS01_VILLAGE}") == "in"
    # Closed without a word: dropped, free to come back.
    await wait_for(lambda: presence(hub, call_id, f"cadre.{RS01_VILLAGE}") == presence(hub, call_id, "officer")
                   == "dropped", what="both dropped")
    await wait_for(lambda: len(call_feed(hub).rooms) == 0, what="the closed sockets unsubscribed")


def call_feed(hub: Hub) -> CallFeed:
    return next(s for s in hub.services if isinstance(s, ConsoleService)).app.state.call_feed  # type: ignore[no-any-return]


async def check_removal(hub: Hub, call_id: int, cadre: dict[str, str], http: httpx.AsyncClient) -> None:
    async with connect(ws_url(hub, f"/ws/calls/{call_id}"), additional_headers=cadre) as village:
        await next_of(village, "ready")
        removed = await http.post(f"/api/calls/{call_id}/remove", json={"username": f"cadre.{RS01_VILLAGE}"})
        assert removed.status_code == 200, removed.text
        with pytest.raises(ConnectionClosed):
            await next_of(village, "never")
        assert village.close_code == 4403
    assert await closed_with(hub, f"/ws/calls/{call_id}", cadre) == 4403  # and may not come back


def presence(hub: Hub, call_id: int, username: str) -> str | None:
    assert hub.ctx.calls is not None
    call = hub.ctx.calls.book.calls.get(call_id)
    who = call.participant(username) if call else None
    return who.presence.value if who else None


async def test_janus_dies_and_the_hub_brings_it_back(hub: Hub) -> None:
    """Janus killed mid-call: participants are told to join again (4502), and joining works on the new Janus."""
    officer = await signed_in(hub)
    async with httpx.AsyncClient(base_url=console_url(hub), headers=officer) as http:
        call_id = (await http.post("/api/calls", json={"villages": ["bailu"]})).json()["id"]
    assert hub.ctx.calls is not None
    sfu = hub.ctx.calls.sfu
    async with connect(ws_url(hub, f"/ws/calls/{call_id}"), additional_headers=officer) as centre:
        await next_of(centre, "ready")
        first = sfu.process.process  # type: ignore[attr-defined]
        first.kill()
        with pytest.raises(ConnectionClosed):
            await next_of(centre, "never")
        assert centre.close_code == 4502
    await wait_for(lambda: sfu.process.process not in (None, first) and call_id in sfu.rooms,  # type: ignore[attr-defined]
                   timeout=30, what="janus back with the call's room")
    async with connect(ws_url(hub, f"/ws/calls/{call_id}"), additional_headers=officer) as centre:
        assert (await next_of(centre, "ready"))["call"]["id"] == call_id
        assert presence(hub, call_id, "officer") == "in"


async def test_open_calls_outlive_a_hub_restart(tmp_path: Path, own_broker: Mosquitto) -> None:
    mqtt = MqttSettings(host="127.0.0.1", port=own_broker.port, keepalive_s=5)
    async with make_hub(hub_settings(tmp_path, mqtt), janus_town()) as first:
        officer = await signed_in(first)
        async with httpx.AsyncClient(base_url=console_url(first), headers=officer) as http:
            call_id = (await http.post("/api/calls", json={"villages": ["bailu"]})).json()["id"]
        async with connect(ws_url(first, f"/ws/calls/{call_id}"), additional_headers=officer) as centre:
            await next_of(centre, "ready")
    async with make_hub(hub_settings(tmp_path, mqtt), janus_town()) as second:
        assert presence(second, call_id, "officer") == "dropped"  # the hub's stop took them out
        officer = await signed_in(second)
        async with connect(ws_url(second, f"/ws/calls/{call_id}"), additional_headers=officer) as centre:
            await next_of(centre, "ready")
            assert presence(second, call_id, "officer") == "in"


async def test_an_external_janus(tmp_path: Path, own_broker: Mosquitto) -> None:
    """A Janus the hub did not start (here one of our own, standing in for the town's), reached by URL and secrets."""
    janus = JanusProcess(JanusSection(), tmp_path / "external-janus")
    await janus.start()
    try:
        town = janus_town(url=janus.url, api_secret=janus.secrets.api_secret, admin_key=janus.secrets.admin_key)
        mqtt = MqttSettings(host="127.0.0.1", port=own_broker.port, keepalive_s=5)
        async with make_hub(hub_settings(tmp_path / "hub", mqtt), town) as hub:
            assert hub.ctx.calls is not None and hub.ctx.calls.sfu.process is None  # type: ignore[attr-defined]
            officer = await signed_in(hub)
            async with httpx.AsyncClient(base_url=console_url(hub), headers=officer) as http:
                call_id = (await http.post("/api/calls", json={"villages": ["bailu"]})).json()["id"]
            async with connect(ws_url(hub, f"/ws/calls/{call_id}"), additional_headers=officer) as centre:
                await next_of(centre, "ready")
                assert presence(hub, call_id, "officer") == "in"
        assert janus.process is not None and janus.process.returncode is None  # the hub leaves it running
    finally:
        await janus.stop()
