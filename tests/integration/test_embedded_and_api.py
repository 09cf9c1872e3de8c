"""The hub on embedded defaults (amqtt), the demo town, and the console API over real HTTP."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import httpx
import orjson
import pytest
import websockets

from hub.app import Hub
from hub.store import SeriesQuery
from tests.support import Publisher, free_port, hub_settings, make_hub, signed_in, wait_for

pytestmark = pytest.mark.integration


def console_url(hub: Hub) -> str:
    return str(next(s.url for s in hub.services if s.name == "console"))


def rs01_payload(ts: float, level_cm: int) -> bytes:
    return orjson.dumps({"ts": int(ts * 1000), "wl": level_cm})


async def test_embedded_broker_ingests_a_device(tmp_path: Path) -> None:
    port = free_port()
    async with make_hub(hub_settings(tmp_path, None, embedded_port=port)) as hub:
        assert [s.name for s in hub.services][:2] == ["embedded-broker", "mqtt"]
        device = await Publisher.open(port, f"dev-{uuid.uuid4().hex[:6]}")
        topic = hub.ctx.town.device_map()["RS01"].topic
        assert topic is not None
        for i in range(50):
            device.publish(topic, rs01_payload(time.time() - 100 + i, 5000 + i))
        await device.aclose()
        await wait_for(lambda: hub.ctx.store.count_readings() == 50, what="50 readings via the embedded broker")


async def test_embedded_broker_refuses_a_taken_port(tmp_path: Path, system_broker_port: int) -> None:
    with pytest.raises(RuntimeError, match="in use"):
        async with make_hub(hub_settings(tmp_path, None, embedded_port=system_broker_port)):
            pass


async def test_demo_town_reports_from_every_station(tmp_path: Path) -> None:
    settings = hub_settings(tmp_path, None, demo={"scenario": "flood", "interval_s": 60, "speed": 120})
    async with make_hub(settings) as hub:
        stations = {"RS01", "RS02", "RS03", "RS04", "RG01", "RG02", "WQ01", "WQ02"}

        def all_online() -> bool:
            return all((h := hub.ctx.health.get(d)) is not None and h.state == "online" for d in stations)

        await wait_for(all_online, what="every simulated station online")
        water = {"ph", "cod", "ammonia_nitrogen", "dissolved_oxygen", "water_temperature", "turbidity"}
        await wait_for(lambda: water <= {r.quantity for r in hub.ctx.store.latest("WQ01")},
                       what="water quality readings over HJ 212")
        assert hub.ctx.dead_letters.total() == 0


async def test_console_api(tmp_path: Path) -> None:
    port = free_port()
    start = 1_763_798_400.0  # aligned to the hour
    async with make_hub(hub_settings(tmp_path, None, embedded_port=port)) as hub:
        url = console_url(hub)
        device = await Publisher.open(port, f"dev-{uuid.uuid4().hex[:6]}")
        topic = hub.ctx.town.device_map()["RS01"].topic
        assert topic is not None
        for i in range(120):
            device.publish(topic, rs01_payload(start + 60 * i, 5000 + i))
        await device.aclose()
        raw = SeriesQuery("RS01", "water_level", start, start + 7200)
        await wait_for(lambda: len(hub.ctx.store.series(raw)) == 120, what="readings committed")
        rises = SeriesQuery("RS01", "water_level_rise", start, start + 7200)
        # a rate from every level once they span half the hour: readings 30 to 119
        await wait_for(lambda: len(hub.ctx.store.series(rises)) == 90, what="rise rates derived and committed")
        async with httpx.AsyncClient(base_url=url, headers=await signed_in(hub)) as http:
            series = (await http.get("/api/readings", params={
                "device": "RS01", "quantity": "water_level", "start": start, "end": start + 7200,
                "every": 3600})).json()
            assert [p["count"] for p in series["points"]] == [60, 60]
            assert series["unit"] == "m" and series["points"][0]["min"] == 50.0
            assert series["points"][0]["time"] == "2025-11-22T08:00:00Z"
            devices = (await http.get("/api/devices", params={"kind": "river_station"})).json()
            assert {d["id"]: d["state"] for d in devices}["RS01"] == "online"
            detail = (await http.get("/api/devices/RS01")).json()
            assert detail["latest"][0]["value"] == pytest.approx(51.19)
            assert detail["events"][0]["kind"] == "online"
            for params, code in [({"device": "NOPE", "quantity": "water_level"}, 404),
                                 ({"device": "RS01", "quantity": "level"}, 422),
                                 ({"device": "RS01", "quantity": "water_level", "start": 10, "end": 5}, 422),
                                 ({"device": "RS01", "quantity": "water_level", "every": -1}, 422),
                                 ({"device": "RS01", "quantity": "water_level", "end": "nan"}, 422),
                                 ({"device": "RS01", "quantity": "water_level", "end": 1e20}, 422),
                                 ({"device": "RS01", "quantity": "water_level", "start": -1e13, "end": 0}, 422),
                                 ({"device": "RS01"}, 422)]:
                response = await http.get("/api/readings", params=params)
                assert response.status_code == code, params
                assert response.json()["detail"]
            assert (await http.get("/api/devices/NOPE")).status_code == 404
            rise = (await http.get("/api/readings", params={
                "device": "RS01", "quantity": "water_level_rise", "start": start, "end": start + 7200})).json()
            assert rise["unit"] == "m/h" and rise["points"][-1]["mean"] == pytest.approx(0.6, abs=1e-6)
            stats = await http.get("/api/readings", params={"device": "WQ01", "quantity": "cod.avg_1h"})
            assert stats.status_code == 200 and stats.json()["unit"] == "mg/L"
            raw = await http.get("/api/readings", params={"device": "WQ01", "quantity": "hj212:w99999"})
            assert raw.status_code == 200 and raw.json()["unit"] == ""
            metrics = (await http.get("/metrics")).text
            assert 'gridhub_devices{kind="river_station",state="online"} 1.0' in metrics
            assert "gridhub_recorder_batch_seconds_count" in metrics
            assert 'gridhub_queue_depth{queue="recorder"}' in metrics
            openapi = (await http.get("/openapi.json")).json()
            assert "/api/readings" in openapi["paths"]


async def test_live_feed_pushes_readings(tmp_path: Path) -> None:
    port = free_port()
    async with make_hub(hub_settings(tmp_path, None, embedded_port=port)) as hub:
        ws_url = console_url(hub).replace("http://", "ws://") + "ws/live"
        async with websockets.connect(ws_url, additional_headers=await signed_in(hub)) as ws:
            device = await Publisher.open(port, f"dev-{uuid.uuid4().hex[:6]}")
            topic = hub.ctx.town.device_map()["RS01"].topic
            assert topic is not None
            device.publish(topic, rs01_payload(time.time(), 5555))
            await device.aclose()
            messages = [json.loads(await ws.recv()) for _ in range(2)]
        kinds = {m["type"] for m in messages}
        assert kinds == {"readings", "device_event"}
        readings = next(m for m in messages if m["type"] == "readings")
        assert readings["items"][0]["value"] == pytest.approx(55.55)
