"""A cadre who joins a call long after its camera was shared sees the river at once, not at the camera's next
keyframe: Janus keeps the last keyframe of the shared stream (`bufferkf`) and sends it to each newcomer.
Village cameras often send a keyframe only every few seconds or minutes; this one sends one a minute."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser

from hub.app import Hub
from hub.users.model import Role
from tests.e2e.call_support import call_page, frames, join, receiving
from tests.e2e.test_video_call import RIVER, call_town
from tests.rtsp.server import FPS, RtspServer, encode
from tests.support import PASSWORD, account, console_url, hub_settings, make_hub, signed_in

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.timeout(180)]
CLIP_S = 40
LATE_S = 10  # the newcomer joins this long after the share: 50 s before the camera's next keyframe


@pytest.fixture
def rtsp(tmp_path: Path) -> Iterator[RtspServer]:
    folder = tmp_path / "clips"
    folder.mkdir()
    encode(folder / "CAM07.mkv", [RIVER.render(i / FPS) for i in range(CLIP_S * FPS)], gop=60 * FPS)
    server = RtspServer(folder)
    server.start()
    yield server
    server.kill()


@pytest.fixture
async def hub(tmp_path: Path, system_broker_port: int, rtsp: RtspServer) -> AsyncIterator[Hub]:
    broker = {"host": "127.0.0.1", "port": system_broker_port, "client_id": "gridhub-keyframe-e2e"}
    async with make_hub(hub_settings(tmp_path, broker, https={"hosts": ["127.0.0.1"]}), call_town(rtsp)) as running:
        yield running



async def test_a_late_joiner_sees_the_shared_camera_at_once(hub: Hub, call_browser: Browser) -> None:
    base = console_url(hub)
    officer, cadre = await account(hub), await account(hub, Role.cadre, "shimen")
    async with httpx.AsyncClient(base_url=base, verify=False, headers=await signed_in(hub)) as http:
        made = await http.post("/api/calls", json={"title": "河道会商", "villages": ["shimen"], "camera": "CAM07"})
        assert made.status_code == 201, made.text
        call_id = made.json()["id"]
    problems: list[str] = []
    shared_at = time.monotonic()
    centre = (await call_page(call_browser, base, officer, PASSWORD, call_id, problems))[1]
    await join(centre)
    await receiving(centre, "cam", {"CAM07"})
    await asyncio.sleep(max(0.0, shared_at + LATE_S - time.monotonic()))
    late = (await call_page(call_browser, base, cadre, PASSWORD, call_id, problems))[1]
    joined = time.monotonic()
    await join(late)
    while not (await frames(late, "cam")).get("CAM07"):
        assert time.monotonic() - joined < 15, "no camera frame 15 s after joining: waiting for a keyframe?"
        await asyncio.sleep(0.1)
    await receiving(late, "cam", {"CAM07"})
    assert problems == []
