"""The camera wall with video on, in a real headless Chromium: three cameras read from video files through the
hub's own decoder, live tiles that show changing pictures, and an event's snapshot appearing as it happens."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from hub.settings import MqttSettings
from hub.users.model import Role
from tests.camera_files import file_camera_town
from tests.e2e.pages import BIG_SCREEN, open_page, sign_in
from tests.support import Mosquitto, account, hub_settings, make_hub, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.timeout(180)]
CAMERAS = ("CAM01", "CAM02", "CAM03")
# What a tile's <img> shows now: its size, a digest of its pixels, and the share of pixels that are not black.
PICTURE = """(camera) => {
  const img = document.querySelector(`#camera-wall figure[data-camera="${camera}"] img`);
  if (!img || !img.complete || !img.naturalWidth) return null;
  const canvas = document.createElement("canvas");
  Object.assign(canvas, { width: img.naturalWidth, height: img.naturalHeight });
  const g = canvas.getContext("2d");
  g.drawImage(img, 0, 0);
  const data = g.getImageData(0, 0, canvas.width, canvas.height).data;
  let digest = 0, lit = 0;
  for (let i = 0; i < data.length; i += 4) {
    digest = (digest * 31 + data[i] + data[i + 1] * 7 + data[i + 2] * 13) >>> 0;
    if (data[i] + data[i + 1] + data[i + 2] > 48) lit++;
  }
  return { width: canvas.width, digest, lit: lit / (data.length / 4) };
}"""
NEW_SNAPSHOT = """(before) => [...document.querySelectorAll("#snapshots img")]
  .find((img) => !before.includes(img.getAttribute("src")) && img.complete && img.naturalWidth > 0)
  ?.getAttribute("src") ?? null"""


async def test_the_camera_wall_shows_live_pictures_and_new_event_snapshots(
        tmp_path: Path, own_broker: Mosquitto, chromium: Browser, artifacts: Path) -> None:
    mqtt = MqttSettings(host="127.0.0.1", port=own_broker.port, keepalive_s=5)
    async with make_hub(hub_settings(tmp_path, mqtt), file_camera_town(tmp_path / "clips", CAMERAS)) as hub:
        problems: list[str] = []
        _, page = await open_page(chromium, BIG_SCREEN, problems)
        await sign_in(page, hub, await account(hub, Role.officer))
        await expect(page.locator("#camera-wall figure.tile")).to_have_count(len(CAMERAS))
        for camera in CAMERAS:
            await expect(page.locator(f'#camera-wall figure[data-camera="{camera}"]')).to_have_class(
                re.compile(r"\bhas-picture\b"), timeout=15000)
        await live_pictures_change(page)
        shot = await a_new_snapshot_appears(page)
        names = {str(e.detail.get("snapshot")) for e in hub.ctx.store.device_events(None, 200)}
        assert shot.rsplit("/", 1)[-1] in names
        await expect(page.locator("#camera-wall figure.tile.event")).not_to_have_count(0)
        await page.screenshot(path=artifacts / "camera-wall-1920x1080.png")
        await the_drawer_plays_a_camera(page)
        assert problems == []


async def live_pictures_change(page: Page) -> None:
    """Every tile shows a decoded street (not black), and a later frame that differs from it."""
    first = {camera: await page.evaluate(PICTURE, camera) for camera in CAMERAS}
    for camera, picture in first.items():
        assert picture is not None and picture["width"] == 320 and picture["lit"] > 0.9, (camera, picture)

    async def changed() -> bool:
        now = [await page.evaluate(PICTURE, camera) for camera in CAMERAS]
        return all(p is not None and p["digest"] != first[c]["digest"] for c, p in zip(CAMERAS, now, strict=True))
    await wait_for(changed, timeout=10, what="every tile's next picture")


async def a_new_snapshot_appears(page: Page) -> str:
    """The strip of recent events gains a snapshot of an event that happened while the page was open."""
    before: list[Any] = await page.locator("#snapshots img").evaluate_all(
        "(imgs) => imgs.map((img) => img.getAttribute('src'))")
    handle = await page.wait_for_function(NEW_SNAPSHOT, arg=before, timeout=40000)
    src = await handle.json_value()
    assert isinstance(src, str) and src.startswith("/api/cameras/CAM0")
    return src


async def the_drawer_plays_a_camera(page: Page) -> None:
    """A tile opens the camera's drawer with its live MJPEG picture; Escape closes it (and ends the stream)."""
    await page.locator('#camera-wall figure[data-camera="CAM02"]').click()
    picture = page.locator("#details img.live-picture")
    await expect(picture).to_have_attribute("alt", "CAM02")
    await page.wait_for_function("() => document.querySelector('#details img.live-picture')?.naturalWidth > 0")
    await page.keyboard.press("Escape")
    await expect(page.locator("#details")).to_be_hidden()
