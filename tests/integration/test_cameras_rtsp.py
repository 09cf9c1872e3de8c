"""Cameras against a real RTSP server: motion in its zone, lights, covered, defocus, moved, frozen, offline."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import paho.mqtt.client as mqtt
import pytest
import websockets
from paho.mqtt.enums import CallbackAPIVersion

from hub.app import Hub
from hub.models import DeviceEvent, DeviceEventKind
from hub.townfile import LoadedTown
from streams.config import CamerasSection
from streams.sim import Mover, Scene
from tests.rtsp.server import RtspServer, encode_all
from tests.support import console_url, hub_settings, make_hub, sample_town, signed_in, wait_for

pytestmark = pytest.mark.integration
CHANGE_AT = 3.0  # seconds into each clip when its trouble starts
SCENE = Scene(320, 180, seed=11)
WALKER = Mover(y=0.85, speed=0.08, size=(0.05, 0.25), colour=(20, 20, 240), phase=0.3)
WALKING = Scene(320, 180, seed=11, movers=[WALKER])


def after(t: float, before: np.ndarray, then: np.ndarray) -> np.ndarray:
    return before if t < CHANGE_AT else then


CLIPS = {  # camera id → the picture at t seconds
    "CAM01": lambda t: (WALKING if t >= CHANGE_AT else SCENE).render(t),
    "CAM02": lambda t: SCENE.render(t, light=1.0 - 0.55 * min(1.0, max(0.0, t - CHANGE_AT) / 4)),
    "CAM03": lambda t: after(t, SCENE.render(t), np.zeros_like(SCENE.base())),
    "CAM04": lambda t: SCENE.render(t, blur=4 if t >= CHANGE_AT else 0),
    "CAM05": lambda t: SCENE.render(t, shift=(20, 60) if t >= CHANGE_AT else (0, 0)),
    "CAM06": lambda t: SCENE.render(min(t, CHANGE_AT)),
}
SECTION = CamerasSection.model_validate({
    "detect_fps": 5, "stall_s": 4, "backoff_min_s": 0.5, "backoff_max_s": 1, "open_timeout_s": 5,
    "tamper": {"check_fps": 5, "for_s": 1, "clear_s": 1, "frozen_s": 2},
    "motion": {"off_delay_s": 2},
    "cameras": {"CAM01": {"zones": {"riverbank": [[0, 0.55], [1, 0.55], [1, 1], [0, 1]],
                                    "sky": [[0, 0], [1, 0], [1, 0.3], [0, 0.3]]}}},
})


@pytest.fixture(scope="module")
def rtsp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RtspServer]:
    folder = tmp_path_factory.mktemp("clips")
    encode_all(folder, CLIPS, seconds=40)
    server = RtspServer(folder)
    server.start()
    yield server
    server.kill()


def camera_town(server: RtspServer) -> LoadedTown:
    loaded = sample_town()
    devices = [d if d.id not in CLIPS else d.model_copy(update={"address": server.url(d.id)})
               for d in loaded.town.devices if d.kind.value != "camera" or d.id in CLIPS]
    town = loaded.town.model_copy(update={"devices": devices})
    return dataclasses.replace(loaded, town=town, sections={**loaded.sections, "cameras": SECTION})


def seen(events: list[DeviceEvent], camera: str, kind: DeviceEventKind) -> list[DeviceEvent]:
    return [e for e in events if e.device == camera and e.kind is kind]


class Subscriber:
    def __init__(self, port: int) -> None:
        self.messages: list[tuple[str, dict[str, object]]] = []
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="camera-test-sub")
        self.client.on_message = lambda _c, _u, m: self.messages.append((m.topic, json.loads(m.payload)))
        self.client.on_connect = lambda c, *_: c.subscribe("gridhub/cameras/#", qos=1)
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


async def test_cameras_over_rtsp(rtsp: RtspServer, tmp_path: Path, system_broker_port: int) -> None:
    broker = {"host": "127.0.0.1", "port": system_broker_port, "client_id": "gridhub-camera-test"}
    subscriber = await asyncio.to_thread(Subscriber, system_broker_port)
    async with make_hub(hub_settings(tmp_path, broker), camera_town(rtsp)) as hub:
        events: list[DeviceEvent] = []
        hub.ctx.bus.subscribe(DeviceEvent, events.append)

        def first(camera: str, kind: DeviceEventKind) -> DeviceEvent | None:
            found = seen(events, camera, kind)
            return found[0] if found else None

        await wait_for(lambda: all(first(c, DeviceEventKind.ONLINE) for c in CLIPS), 20, "every camera online")
        for camera, what in [("CAM03", "covered"), ("CAM04", "defocus"), ("CAM05", "moved"), ("CAM06", "frozen")]:
            await wait_for(lambda c=camera: first(c, DeviceEventKind.TAMPER) is not None, 15, f"{camera} tamper")
            tamper = first(camera, DeviceEventKind.TAMPER)
            assert tamper is not None and tamper.detail["what"] == what, (camera, tamper)
        motion = first("CAM01", DeviceEventKind.MOTION)
        assert motion is not None and motion.detail["zone"] == "riverbank"
        assert {e.detail["zone"] for e in seen(events, "CAM01", DeviceEventKind.MOTION)} == {"riverbank"}
        analysis = {DeviceEventKind.MOTION, DeviceEventKind.TAMPER}
        assert not [e for e in events if e.device == "CAM02" and e.kind in analysis], "a lighting ramp is no event"
        await check_api(hub, tamper_snapshot(events, "CAM03"))
        await wait_for(lambda: any(t.endswith("CAM03/tamper") for t, _ in subscriber.messages), 5, "MQTT event")
        body = next(b for t, b in subscriber.messages if t.endswith("CAM03/tamper"))
        assert body["camera"] == "CAM03" and body["what"] == "covered" and str(body["time"]).endswith("+00:00")

        rtsp.kill()
        await wait_for(lambda: all(first(c, DeviceEventKind.OFFLINE) for c in CLIPS), 15, "every camera offline")
        assert first("CAM01", DeviceEventKind.OFFLINE).reason == "no_frames"  # type: ignore[union-attr]
        online_before = len(seen(events, "CAM01", DeviceEventKind.ONLINE))
        rtsp.start()
        await wait_for(lambda: len(seen(events, "CAM01", DeviceEventKind.ONLINE)) > online_before, 20, "back online")
    subscriber.close()


def tamper_snapshot(events: list[DeviceEvent], camera: str) -> tuple[str, str]:
    event = seen(events, camera, DeviceEventKind.TAMPER)[0]
    return camera, str(event.detail["snapshot"])


async def check_api(hub: Hub, snapshot: tuple[str, str]) -> None:
    url, auth = console_url(hub), await signed_in(hub)
    camera, name = snapshot
    async with httpx.AsyncClient(base_url=url, headers=auth) as http:
        latest = await http.get("/api/cameras/CAM01/snapshot.jpg", params={"width": 160})
        assert latest.status_code == 200 and latest.content[:2] == b"\xff\xd8"
        listed = (await http.get(f"/api/cameras/{camera}/snapshots")).json()
        assert name in listed["snapshots"]
        stored = await http.get(f"/api/cameras/{camera}/snapshots/{name}")
        assert stored.status_code == 200 and stored.headers["content-type"] == "image/jpeg"
        assert (await http.get("/api/cameras/NOPE/snapshot.jpg")).status_code == 404
        async with http.stream("GET", "/api/cameras/CAM01/mjpeg", params={"fps": 5}) as stream:
            assert stream.headers["content-type"].startswith("multipart/x-mixed-replace")
            async for chunk in stream.aiter_bytes():
                assert b"--gridhub-frame" in chunk
                break
    await check_tiles(url, auth)


async def check_tiles(url: str, auth: dict[str, str]) -> None:
    """/ws/cameras: a request for tiles gets JPEG frames tagged with their camera; a bad one gets an error."""
    async with websockets.connect(url.replace("http", "ws", 1) + "ws/cameras", additional_headers=auth) as ws:
        await ws.send('{"cameras": ["CAM0"')
        assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "error"
        await ws.send(json.dumps({"cameras": ["CAM01", "CAM02"], "width": 160, "fps": 5}))
        seen: set[bytes] = set()
        while seen != {b"CAM01", b"CAM02"}:
            message = await asyncio.wait_for(ws.recv(), 10)
            assert isinstance(message, bytes)
            camera, jpeg = message.split(b"\n", 1)
            assert jpeg[:2] == b"\xff\xd8" and camera in (b"CAM01", b"CAM02")
            seen.add(camera)
