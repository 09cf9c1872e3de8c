"""The patrol phone page in a real headless Chromium: a job received live, worked offline, replayed once."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from hub.app import Hub
from hub.dispatch.model import DispatchState
from hub.settings import MqttSettings
from tests.support import Mosquitto, console_url, hub_settings, make_hub, publish_level, signed_in, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.timeout(120)]
NEAR_RS01 = {"longitude": 113.0671, "latitude": 27.2149, "accuracy": 12}  # ~70 m from the station
PHONE: dict[str, Any] = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True,
                         "has_touch": True, "locale": "zh-CN", "timezone_id": "Asia/Shanghai",
                         "geolocation": NEAR_RS01, "permissions": ["geolocation"]}


def jpeg() -> bytes:
    """A camera-like photo, larger than the 1,280 px the page cuts photos to."""
    image = np.full((1200, 1600, 3), (40, 90, 60), np.uint8)
    image[:, :, 2] = np.linspace(0, 255, 1600, dtype=np.uint8)
    cv2.putText(image, "RS01", (420, 700), cv2.FONT_HERSHEY_SIMPLEX, 10, (255, 255, 255), 20)
    return bytes(cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 80])[1].tobytes())


async def raise_alert(hub: Hub, broker: Mosquitto) -> int:
    await publish_level(broker.port, "RS01", hub, 58.4)
    await wait_for(lambda: len(hub.ctx.alerts.book.open_alerts()) == 1, what="alert raised")
    return hub.ctx.alerts.book.open_alerts()[0].id


async def open_phone(browser: Browser, http: httpx.AsyncClient, member: str,
                     problems: list[str]) -> tuple[BrowserContext, Page]:
    """A phone of its own (storage, network, position) opened at the member's one-time sign-in link.

    Script errors and refused steps land in *problems*.
    """
    link = (await http.post(f"/api/members/{member}/login-link")).json()
    context = await browser.new_context(**PHONE)
    page = await context.new_page()
    page.on("pageerror", lambda exc: problems.append(f"{member}: {exc}"))
    page.on("console", lambda msg: problems.append(f"{member}: {msg.text}") if "refused" in msg.text else None)
    await page.goto(link["url"])
    await expect(page.locator("#net")).to_have_text("在线")  # signed in, its live feed open
    await expect(page.locator("#team")).to_be_visible()
    assert await page.evaluate("localStorage.getItem('gridhub.token')")
    return context, page


async def phone_fetch(page: Page, method: str, path: str, body: object = None) -> tuple[int, Any]:
    """A request from the page itself, with the token the page keeps."""
    return tuple(await page.evaluate(  # type: ignore[return-value]
        """async ([method, path, body]) => {
            const res = await fetch(path, {method, body: body === null ? undefined : JSON.stringify(body),
                headers: {"Content-Type": "application/json",
                          Authorization: `Bearer ${localStorage.getItem("gridhub.token")}`}});
            return [res.status, await res.json()];
        }""", [method, path, body]))


async def test_a_phone_receives_a_job_and_works_it_through_a_lost_network(
        tmp_path: Path, own_broker: Mosquitto, chromium: Browser) -> None:
    mqtt = MqttSettings(host="127.0.0.1", port=own_broker.port, keepalive_s=5)
    async with make_hub(hub_settings(tmp_path, mqtt)) as hub, \
            httpx.AsyncClient(base_url=console_url(hub), headers=await signed_in(hub)) as http:
        alert_id = await raise_alert(hub, own_broker)
        problems: list[str] = []
        context, page = await open_phone(chromium, http, "T01.1", problems)
        _, other = await open_phone(chromium, http, "T02.1", problems)
        await page.wait_for_function("() => fix !== null")  # the granted position has arrived

        sent = time.monotonic()
        made = await http.post("/api/dispatches", json={"alert_id": alert_id, "teams": ["T01"],
                                                        "instructions": "沿河堤巡查，疏散低洼处群众"})
        assert made.status_code == 201, made.text
        job_id = made.json()[0]["id"]
        job = page.locator(f'article.job[data-dispatch="{job_id}"]')
        await job.wait_for(timeout=1000)
        assert time.monotonic() - sent < 1.0
        await expect(job.locator(".instructions")).to_contain_text("疏散低洼处群众")

        await job.locator('button[data-step="acknowledge"]').click()
        await wait_for(lambda: state(hub, job_id) is DispatchState.ACKNOWLEDGED, what="acknowledged")
        await expect(job.locator(".state")).to_have_text("状态：已确认")
        await job.locator(".photo").set_input_files(files=[{"name": "scene.jpg", "mimeType": "image/jpeg",
                                                             "buffer": jpeg()}])
        await page.evaluate("refresh()")  # what every live message does: the redrawn job keeps the photo
        await work_offline(hub, context, page, job_id)
        await check_the_trail(http, job_id)
        await check_kept_out(other, job_id)
        assert len((await http.get(f"/api/dispatches/{job_id}")).json()["log"]) == 4
        assert problems == []


def state(hub: Hub, job_id: int) -> DispatchState:
    return hub.ctx.dispatch.book.dispatches[job_id].state


async def work_offline(hub: Hub, context: BrowserContext, page: Page, job_id: int) -> None:
    """En route (with the photo) and on scene without a network, queued on the phone; replayed when it returns."""
    job = page.locator(f'article.job[data-dispatch="{job_id}"]')
    await context.set_offline(True)
    await page.wait_for_function("() => !navigator.onLine")
    await job.locator('button[data-step="en_route"]').click()  # with the photo, which takes a while to shrink
    await job.locator('button[data-step="on_scene"]').click()  # tapped at once: must still come second
    await expect(page.locator("#queue")).to_contain_text("2 项操作待上传")
    await expect(job.locator(".state")).to_have_text("状态：在现场")  # as the member sees it, meanwhile
    assert state(hub, job_id) is DispatchState.ACKNOWLEDGED

    await context.set_offline(False)
    await wait_for(lambda: state(hub, job_id) is DispatchState.ON_SCENE, timeout=10, what="the queue replayed")
    await expect(page.locator("#queue")).to_be_hidden()
    await expect(job.locator(".state")).to_have_text("状态：在现场")


async def check_the_trail(http: httpx.AsyncClient, job_id: int) -> None:
    """Each step once, in order, by the member; the photo and the position kept."""
    log = (await http.get(f"/api/dispatches/{job_id}")).json()["log"]
    assert [e["action"] for e in log] == ["assign", "acknowledge", "en_route", "on_scene"]
    assert [e["actor"] for e in log][1:] == ["T01.1"] * 3
    assert [e["seq"] for e in log] == sorted(e["seq"] for e in log)
    photo = log[2]["photo"]
    assert photo is not None and log[3]["photo"] is None
    fetched = await http.get(f"/api/photos/{photo}")
    assert fetched.status_code == 200 and fetched.content[:2] == b"\xff\xd8"
    image = cv2.imdecode(np.frombuffer(fetched.content, np.uint8), cv2.IMREAD_COLOR)
    assert image.shape == (960, 1280, 3)  # shrunk on the phone
    at = log[3]["location"]
    assert (at["lon"], at["lat"]) == (NEAR_RS01["longitude"], NEAR_RS01["latitude"])


async def check_kept_out(other: Page, job_id: int) -> None:
    """Another team's phone neither shows the job nor may act on it."""
    assert await other.locator("article.job").count() == 0
    status, me = await phone_fetch(other, "GET", "/api/phone/me")
    assert status == 200 and me["team"]["id"] == "T02" and me["jobs"] == []
    status, refused = await phone_fetch(other, "POST", "/api/phone/steps",
                                        {"key": "t02-clear-0001", "dispatch": job_id, "step": "clear",
                                         "note": "不是我们队的"})
    assert status == 403, refused
