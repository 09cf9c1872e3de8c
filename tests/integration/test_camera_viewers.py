"""Someone watching a camera's live MJPEG never keeps the hub from stopping."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from hub.users.model import Role
from hub.webserver import GRACE_S
from tests.camera_files import file_camera_town
from tests.support import console_url, hub_settings, make_hub, signed_in, wait_for

pytestmark = pytest.mark.integration
STOP_WITHIN_S = GRACE_S + 5.0  # streams get GRACE_S; the rest of the hub stops in well under 5 s


async def watch(http: httpx.AsyncClient, parts: list[bytes]) -> None:
    """Read the stream as a browser's <img> does, until the hub ends it."""
    try:
        async with http.stream("GET", "/api/cameras/CAM01/mjpeg?fps=5") as stream:
            assert stream.status_code == 200
            async for chunk in stream.aiter_bytes():
                parts.append(chunk)
    except httpx.RemoteProtocolError:
        pass  # the hub cut the endless stream off mid-way, as it should when it stops


async def test_the_hub_stops_while_a_browser_watches_a_camera(tmp_path: Path) -> None:
    hub = make_hub(hub_settings(tmp_path, None), file_camera_town(tmp_path / "clips", ("CAM01",)))
    async with hub:
        headers = await signed_in(hub, Role.officer)
        async with httpx.AsyncClient(base_url=console_url(hub), headers=headers, timeout=30) as http:
            parts: list[bytes] = []
            watching = asyncio.create_task(watch(http, parts))
            await wait_for(lambda: len(parts) >= 3 or watching.done(), what="the stream's first parts")
            assert b"Content-Type: image/jpeg" in b"".join(parts)
            stopping = asyncio.create_task(hub.stop())
            done, _ = await asyncio.wait({stopping}, timeout=STOP_WITHIN_S)
            await asyncio.sleep(0.5)  # the client reads the end of the stream
            ended = watching.done()
            watching.cancel()  # lets a stop that hung finish, so the test ends either way
            await stopping
            assert stopping in done, f"the hub took more than {STOP_WITHIN_S} s to stop under a watcher"
            assert ended, "the stream was still open after the hub stopped"
