"""MQTT ingest against a real Mosquitto: vendors, bad input, restarts, offline devices."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import orjson
import pytest

from hub.app import Hub
from hub.models import DeviceEvent, IngestBatch
from hub.store import SeriesQuery
from hub.town import DeviceKind, Thresholds
from hub.townfile import LoadedTown
from tests.support import Mosquitto, Publisher, hub_settings, make_hub, sample_town, signed_in, wait_for

pytestmark = pytest.mark.integration
TOWN = sample_town().town
RS01, RS03 = TOWN.device_map()["RS01"], TOWN.device_map()["RS03"]
assert RS01.topic is not None and RS01.availability is not None
RS01_TOPIC, RS03_TOPIC = RS01.topic, f"kd/rtu/{RS03.address}/data"


def vendor_a(ts: float, level_cm: int) -> bytes:
    return orjson.dumps({"sn": RS01.address, "ts": int(ts * 1000), "wl": level_cm})


def vendor_b(ts: float, level_m: float) -> bytes:
    iso = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{int(ts * 1000) % 1000:03d}+00:00"
    return orjson.dumps({"deviceId": RS03.address, "time": iso,
                         "data": {"waterLevel": {"value": level_m, "unit": "m"}}})


def broker_hub(tmp_path: Path, port: int, protocol: str = "5", client_id: str | None = None,
               town: LoadedTown | None = None) -> Hub:
    settings = hub_settings(tmp_path, {"host": "127.0.0.1", "port": port, "protocol": protocol,
                                       "client_id": client_id or f"gridhub-test-{uuid.uuid4().hex[:8]}",
                                       "keepalive_s": 5})
    return make_hub(settings, town)


def count(hub: Hub, *devices: str) -> int:
    """Water levels in the store, RS01's by default (the rates of rise derived from them are not counted)."""
    return sum(len(hub.ctx.store.series(SeriesQuery(d, "water_level", 0, 1e11, limit=10**6)))
               for d in devices or ("RS01",))


async def connected(hub: Hub) -> None:
    mqtt = next(s for s in hub.services if s.name == "mqtt")
    await wait_for(mqtt.connected.is_set, what="hub connected")  # type: ignore[attr-defined]


@pytest.mark.parametrize("protocol", ["3.1.1", "5"])
async def test_two_vendors_give_identical_readings(tmp_path: Path, system_broker_port: int, protocol: str) -> None:
    ts = round(time.time() - 30, 3)
    async with broker_hub(tmp_path, system_broker_port, protocol) as hub:
        await connected(hub)
        device = Publisher(system_broker_port, f"dev-{uuid.uuid4().hex[:6]}")
        device.publish(RS01_TOPIC, vendor_a(ts, 5432))
        device.publish(RS03_TOPIC, vendor_b(ts, 54.32))
        device.close()
        await wait_for(lambda: count(hub, "RS01", "RS03") == 2, what="both readings committed")
        a, b = hub.ctx.store.latest("RS01"), hub.ctx.store.latest("RS03")
    assert [(r.quantity, r.value, r.unit, r.ts, r.quality) for r in a] == \
           [(r.quantity, r.value, r.unit, r.ts, r.quality) for r in b] == [("water_level", 54.32, "m", ts, "good")]


async def test_bad_payloads_become_dead_letters_and_ingest_goes_on(tmp_path: Path, system_broker_port: int) -> None:
    now = time.time()
    bad = [(RS01_TOPIC, b"\xff\xfe not json", "not_json"), (RS01_TOPIC, b'"a string"', "not_object"),
           (RS01_TOPIC, orjson.dumps({"ts": int(now * 1000), "wl": "high"}), "wrong_type"),
           (RS01_TOPIC, orjson.dumps({"ts": int(now * 1000)}), "missing_field"),
           (RS01_TOPIC, orjson.dumps({"ts": int(now * 1000), "wl": 9_000_000}), "impossible_value"),
           ("kd/rtu/KD0000000/data", vendor_b(now, 50.0), "unknown_device"),
           (RS01_TOPIC, b"{" + b" " * 70_000 + b"}", "oversize")]
    async with broker_hub(tmp_path, system_broker_port) as hub:
        await connected(hub)
        device = Publisher(system_broker_port, f"dev-{uuid.uuid4().hex[:6]}")
        for i, (topic, payload, _) in enumerate(bad):
            device.publish(RS01_TOPIC, vendor_a(now - 100 + i, 5000 + i))
            device.publish(topic, payload)
        device.publish(RS01_TOPIC, vendor_a(now - 1, 5100))
        device.close()
        await wait_for(lambda: count(hub) == len(bad) + 1, what="every good reading committed")
        await wait_for(lambda: hub.ctx.dead_letters.total() == len(bad), what="every reject counted")
        url = next(s.url for s in hub.services if s.name == "console")
        async with httpx.AsyncClient(base_url=url, headers=await signed_in(hub)) as http:
            letters = (await http.get("/api/dead-letters")).json()
            metrics = (await http.get("/metrics")).text
    assert sorted(c["reason"] for c in letters["counts"]) == sorted(reason for _, _, reason in bad)
    assert {i["reason"] for i in letters["items"]} == {reason for _, _, reason in bad}
    assert all(i["detail"] for i in letters["items"])
    assert 'gridhub_dead_letters_total{reason="not_json"} 1.0' in metrics
    assert "gridhub_ingest_readings_total 8.0" in metrics


async def test_broker_restart_mid_stream_loses_nothing(tmp_path: Path, own_broker: Mosquitto) -> None:
    total, start = 3000, time.time() - 4000
    async with broker_hub(tmp_path, own_broker.port) as hub:
        await connected(hub)
        device = Publisher(own_broker.port, "restart-device")
        for i in range(total):
            device.publish(RS01_TOPIC, vendor_a(start + i, 5000 + i % 100))
            if i == total // 3:
                own_broker.stop()  # mid-stream: the rest queue in the device until the broker is back
            if i == total // 2:
                own_broker.start()
        await wait_for(lambda: count(hub) == total, timeout=60, what=f"{total} readings after the restart")
        assert hub.ctx.metrics.mqtt_reconnects._value.get() >= 2
        device.close()


@pytest.mark.parametrize("protocol", ["3.1.1", "5"])
async def test_readings_published_while_hub_is_down_arrive_later(tmp_path: Path, own_broker: Mosquitto,
                                                                  protocol: str) -> None:
    client_id, start = f"gridhub-{uuid.uuid4().hex[:8]}", time.time() - 1000
    async with broker_hub(tmp_path, own_broker.port, protocol, client_id=client_id) as hub:
        await connected(hub)
    device = Publisher(own_broker.port, "offline-device")
    for i in range(500):
        device.publish(RS01_TOPIC, vendor_a(start + i, 5000)).wait_for_publish(5)
    device.close()
    async with broker_hub(tmp_path, own_broker.port, protocol, client_id=client_id) as hub:
        await wait_for(lambda: count(hub) == 500, what="readings queued by the broker")


async def test_committed_batches_are_not_kept(tmp_path: Path, system_broker_port: int) -> None:
    """Each batch waits for its commit only until then: hours of ingest must not pile up finished waits."""
    settings = hub_settings(tmp_path, {"host": "127.0.0.1", "port": system_broker_port, "keepalive_s": 5,
                                       "client_id": f"gridhub-test-{uuid.uuid4().hex[:8]}"}, ingest_batch=10)
    total, start = 400, time.time() - 5000
    async with make_hub(settings) as hub:
        await connected(hub)
        device = Publisher(system_broker_port, f"dev-{uuid.uuid4().hex[:6]}")
        for i in range(total):
            device.publish(RS01_TOPIC, vendor_a(start + i, 5000))
        await wait_for(lambda: count(hub) == total, what="every reading committed")
        registry = hub.ctx.metrics.registry
        await wait_for(lambda: registry.get_sample_value("gridhub_queue_depth", {"queue": "mqtt-awaiting-commit"}) == 0,
                       what="no batch left waiting once all are committed")
        device.close()


@pytest.mark.parametrize("gather_s", [0.0, 3.0])
async def test_a_batch_goes_on_at_once_or_gathers_for_the_time_set(tmp_path: Path, system_broker_port: int,
                                                                   gather_s: float) -> None:
    settings = hub_settings(tmp_path, {"host": "127.0.0.1", "port": system_broker_port, "keepalive_s": 5,
                                       "client_id": f"gridhub-test-{uuid.uuid4().hex[:8]}"}, ingest_flush_s=gather_s)
    start = time.time() - 5000
    async with make_hub(settings) as hub:
        await connected(hub)
        seen: list[IngestBatch] = []
        hub.ctx.bus.subscribe(IngestBatch, seen.append)
        device = Publisher(system_broker_port, f"dev-{uuid.uuid4().hex[:6]}")
        for i in range(5):  # 0.25 s apart: each alone in its batch (bar a stalled loop), unless batches gather
            device.publish(RS01_TOPIC, vendor_a(start + i, 5000))
            await asyncio.sleep(0.25)
        await wait_for(lambda: count(hub) == 5, what="every reading committed")
        device.close()
    batches = len([b for b in seen if any(r.device == "RS01" for r in b.readings)])
    assert batches == 1 if gather_s else batches >= 3


async def test_silent_device_goes_offline_then_online(tmp_path: Path, system_broker_port: int) -> None:
    loaded = sample_town()
    quick = Thresholds(offline_after_s={DeviceKind.RIVER_STATION: 1.0})
    town = LoadedTown(loaded.town.model_copy(update={"thresholds": quick}), loaded.sections)
    async with broker_hub(tmp_path, system_broker_port, town=town) as hub:
        events: list[DeviceEvent] = []
        hub.ctx.bus.subscribe(DeviceEvent, events.append)
        await connected(hub)
        device = Publisher(system_broker_port, f"dev-{uuid.uuid4().hex[:6]}")
        device.publish(RS01_TOPIC, vendor_a(time.time(), 5000))
        await wait_for(lambda: any(e.device == "RS01" and e.reason == "silent" for e in events),
                       what="RS01 offline after silence")
        device.publish(RS01_TOPIC, vendor_a(time.time(), 5001))
        await wait_for(lambda: len([e for e in events if e.device == "RS01"]) >= 3, what="RS01 online again")
        device.close()
        await wait_for(lambda: len(hub.ctx.store.device_events("RS01", 10)) >= 3, what="events stored")
    kinds = [(e.kind.value, e.reason) for e in events if e.device == "RS01"][:3]
    assert kinds == [("online", "message"), ("offline", "silent"), ("online", "message")]


DEVICE_WITH_WILL = """
import sys, time, paho.mqtt.client as mqtt
c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="will-device")
c.will_set(sys.argv[2], b"offline", qos=1, retain=True)
c.connect("127.0.0.1", int(sys.argv[1]), keepalive=5)
c.publish(sys.argv[2], b"online", qos=1, retain=True)
c.loop_forever()
"""


async def test_device_last_will_marks_it_offline(tmp_path: Path, system_broker_port: int) -> None:
    lwt = RS01.availability.topic  # type: ignore[union-attr]
    async with broker_hub(tmp_path, system_broker_port) as hub:
        events: list[DeviceEvent] = []
        hub.ctx.bus.subscribe(DeviceEvent, events.append)
        await connected(hub)
        process = subprocess.Popen([sys.executable, "-c", DEVICE_WITH_WILL, str(system_broker_port), lwt])
        try:
            await wait_for(lambda: any(e.device == "RS01" and e.kind == "online" for e in events),
                           what="RS01 online by its status topic")
        finally:
            process.kill()  # the connection drops without DISCONNECT: the broker sends the will
            process.wait()
        await wait_for(lambda: any(e.device == "RS01" and e.reason == "last_will" for e in events),
                       what="RS01 offline by its last will")
    cleaner = Publisher(system_broker_port, f"dev-{uuid.uuid4().hex[:6]}")
    cleaner.publish(lwt, b"", retain=True)  # leave no retained status for other tests
    cleaner.close()


async def test_hub_announces_itself_on_gridhub_status(tmp_path: Path, system_broker_port: int) -> None:
    seen: list[bytes] = []
    async with broker_hub(tmp_path, system_broker_port) as hub:
        await connected(hub)
        watcher = Publisher(system_broker_port, f"watch-{uuid.uuid4().hex[:6]}")
        watcher.client.on_message = lambda _c, _u, m: seen.append(m.payload)
        watcher.client.subscribe("gridhub/status", qos=1)
        await wait_for(lambda: b"online" in seen, what="retained online status")
    await wait_for(lambda: seen[-1:] == [b"offline"], what="offline status after stop")
    watcher.close()


async def test_a_clean_stop_is_not_logged_as_the_broker_dropping_us(tmp_path: Path, system_broker_port: int,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="adapters.mqtt.service")
    async with broker_hub(tmp_path, system_broker_port) as hub:
        await connected(hub)
    said = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "adapters.mqtt.service"]
    assert (logging.INFO, "mqtt: disconnected: the hub is stopping") in said
    assert not [m for level, m in said if level >= logging.WARNING], said


async def test_town_without_mqtt_devices_still_connects(tmp_path: Path, system_broker_port: int) -> None:
    loaded = sample_town()
    cameras_only = loaded.town.model_copy(update={"devices": [d for d in loaded.town.devices
                                                              if d.kind is DeviceKind.CAMERA]})
    empty_json = loaded.sections["json"].model_copy(update={"routes": []})
    town = LoadedTown(cameras_only, {**loaded.sections, "json": empty_json})
    async with broker_hub(tmp_path, system_broker_port, town=town) as hub:
        await connected(hub)
        await asyncio.sleep(0.5)
        assert hub.ctx.metrics.mqtt_up


async def test_a_slow_store_pauses_ingest_and_loses_nothing(tmp_path: Path, own_broker: Mosquitto,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from adapters.sqlite_store import SqliteStore

    real_write = SqliteStore.write

    def slow_write(self: SqliteStore, *args: object) -> None:
        time.sleep(0.05)  # a disk that cannot keep up
        real_write(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(SqliteStore, "write", slow_write)
    settings = hub_settings(tmp_path, {"host": "127.0.0.1", "port": own_broker.port, "client_id": "gridhub-slow"},
                            ingest_batch=50, recorder={"queue_batches": 2, "batch_rows": 50})
    total, start = 3000, time.time() - 5000
    async with make_hub(settings) as hub:
        await connected(hub)
        device = Publisher(own_broker.port, "slow-device")
        for i in range(total):
            device.publish(RS01_TOPIC, vendor_a(start + i, 5000))
        await wait_for(lambda: count(hub) == total, timeout=120, what="every reading despite the slow store")
        assert hub.ctx.metrics.ingest_pauses._value.get() > 0
        device.close()
