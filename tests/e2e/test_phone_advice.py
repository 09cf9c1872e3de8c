"""The patrol phone explains in Chinese, at the job's buttons, every step the hub would refuse or did refuse, in a
real headless Chromium; it shows photos as thumbnails with their upload state, links to the scene and to the
people to call, and answers a reused sign-in link in Chinese."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Locator, Page, expect

from hub.app import Hub
from hub.dispatch.model import DispatchState
from tests.e2e.pages import hub_for
from tests.e2e.test_phone_dispatch import PHONE, jpeg, raise_alert
from tests.support import Mosquitto, console_url, signed_in, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.timeout(150)]
NO_FIX: dict[str, Any] = {k: v for k, v in PHONE.items() if k not in ("geolocation", "permissions")}
CHINESE = re.compile(r"[\u4e00-\u9fff]")


async def phone_at(browser: Browser, url: str, problems: list[str]) -> Page:
    """A phone without a position (none granted), opened at *url*."""
    context = await browser.new_context(**NO_FIX)
    page = await context.new_page()
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    await page.goto(url)
    return page


async def test_the_phone_explains_its_refusals_in_chinese_at_the_button(
        tmp_path: Path, own_broker: Mosquitto, chromium: Browser) -> None:
    async with hub_for(tmp_path, own_broker) as hub, \
            httpx.AsyncClient(base_url=console_url(hub), headers=await signed_in(hub)) as http:
        alert_id = await raise_alert(hub, own_broker)
        link = (await http.post("/api/members/T01.1/login-link")).json()["url"]
        problems: list[str] = []
        page = await phone_at(chromium, link, problems)
        await expect(page.locator("#net")).to_have_text("在线")
        made = await http.post("/api/dispatches", json={"alert_id": alert_id, "teams": ["T01"],
                                                        "instructions": "沿河堤巡查"})
        job_id = made.json()[0]["id"]
        job = page.locator(f'article.job[data-dispatch="{job_id}"]')
        await the_links_reach_the_scene_and_the_people(hub, job)
        await job.locator('button[data-step="acknowledge"]').click()
        await a_photo_shows_as_a_thumbnail_with_its_upload_state(hub, job, job_id)

        await job.locator('button[data-step="on_scene"]').click()  # no GPS fix: said at once, nothing sent
        await expect(job.locator(".refusal")).to_contain_text("还没有取得手机定位")
        await expect(job.locator(".refusal")).to_contain_text("打开手机的定位")
        assert hub.ctx.dispatch.book.dispatches[job_id].state is DispatchState.EN_ROUTE
        await the_hubs_own_refusal_is_said_in_chinese(page, job)

        await page.evaluate("fix = {lon: 113.0671, lat: 27.2149, accuracy_m: 10, time: new Date().toISOString()}")
        await job.locator('button[data-step="on_scene"]').click()
        await wait_for(lambda: hub.ctx.dispatch.book.dispatches[job_id].state is DispatchState.ON_SCENE,
                       what="on scene once the phone has a fix")
        await expect(job.locator(".refusal")).to_be_hidden()
        await job.locator('button[data-step="clear"]').click()  # no note
        await expect(job.locator(".refusal")).to_contain_text("请先在上面的“说明”里写下处置情况")
        assert hub.ctx.dispatch.book.dispatches[job_id].state is DispatchState.ON_SCENE

        again = await phone_at(chromium, link, problems)  # the same link, used already
        await expect(again.locator("#signin")).to_contain_text("这个登录链接已使用过、已过期或无效")
        assert problems == []


async def the_links_reach_the_scene_and_the_people(hub: Hub, job: Locator) -> None:
    """Navigate (geo: and a map app) to the alert's station; call its grid's worker and the centre (town file)."""
    station = hub.ctx.town.device_map()["RS01"]
    worker = hub.ctx.town.grids()[station.grid].worker
    lon, lat = station.location
    await expect(job.locator("a.nav-geo")).to_have_attribute("href", re.compile(rf"^geo:{lat},{lon}\?q="))
    await expect(job.locator("a.nav-amap")).to_have_attribute("href", re.compile(rf"to={lon},{lat},"))
    await expect(job.locator("a.call-worker")).to_have_attribute("href", f"tel:{worker.phone}")
    await expect(job.locator("a.call-worker")).to_contain_text(worker.name)
    duty = hub.ctx.town.alerts.duty_officer
    if duty is not None:
        await expect(job.locator("a.call-centre")).to_have_attribute("href", f"tel:{duty.phone}")
    await expect(job.locator(".place")).to_contain_text("地点：")


async def a_photo_shows_as_a_thumbnail_with_its_upload_state(hub: Hub, job: Locator, job_id: int) -> None:
    await job.locator(".photo").set_input_files(files=[{"name": "scene.jpg", "mimeType": "image/jpeg",
                                                         "buffer": jpeg()}])
    await expect(job.locator(".picked .thumb figcaption")).to_have_text("未发送：点下一步操作时一起上传")
    await job.locator('button[data-step="en_route"]').click()
    await expect(job.locator(".photos .thumb img")).to_have_count(1)
    await expect(job.locator(".photos .thumb figcaption")).to_have_text("已上传", timeout=10000)
    await expect(job.locator(".picked .thumb")).to_have_count(0)
    await wait_for(lambda: hub.ctx.dispatch.book.dispatches[job_id].state is DispatchState.EN_ROUTE,
                   what="en route with the photo")


async def the_hubs_own_refusal_is_said_in_chinese(page: Page, job: Locator) -> None:
    """A phone that did not know the hub's rules sends the step: the hub's 409 comes back in Chinese."""
    await page.evaluate("me.rules = {note_required: [], location_required: []}")
    await job.locator('button[data-step="on_scene"]').click()
    await expect(job.locator(".refusal")).to_contain_text("“到达现场”未被接受：没有手机定位")
    text = await job.locator(".refusal").inner_text()
    assert "GPS fix" not in text and CHINESE.search(text)
    await page.evaluate("refresh()")  # the hub's rules again
