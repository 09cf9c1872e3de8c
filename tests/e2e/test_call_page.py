"""The call page and the call invite in a real headless Chromium over HTTPS: the console's header (the other pages,
who is in, language, sign-out), only the cameras a call can share, English throughout; a cadre signed in
through the big screen's form gets the invite without a reload, in a corner that leaves the header usable; in a
call the page says who joined by name and role, not by user name."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from hub.app import Hub
from hub.users.model import Role
from tests.e2e.call_support import join
from tests.e2e.pages import BIG_SCREEN, open_page
from tests.e2e.test_video_call import call_town, hub, rtsp  # noqa: F401  (fixtures: a hub whose CAM07 streams)
from tests.rtsp.server import RtspServer
from tests.support import PASSWORD, account, console_url, hub_settings, make_hub, signed_in

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.timeout(240)]
HEADER_CONTROLS = ["#clock", "#view-toggle", "header .lang-toggle", "#sign-out"]
UNREACHABLE = ("CAM01", "CAM02")  # cameras without a stream address: the SFU has nothing to take


@pytest.fixture
async def some_unshareable(tmp_path: Path, system_broker_port: int, rtsp: RtspServer) -> AsyncIterator[Hub]:  # noqa: F811
    loaded = call_town(rtsp)
    devices = [d.model_copy(update={"address": None}) if d.id in UNREACHABLE else d for d in loaded.town.devices]
    town = dataclasses.replace(loaded, town=loaded.town.model_copy(update={"devices": devices}))
    broker = {"host": "127.0.0.1", "port": system_broker_port, "client_id": "gridhub-call-page"}
    async with make_hub(hub_settings(tmp_path, broker, https={"hosts": ["127.0.0.1"]}), town) as running:
        yield running


async def signed_in_through_the_form(page: Page, base: str, path: str, username: str) -> None:
    await page.goto(base + path)
    await page.evaluate("window.stayed = true")
    await page.fill("#login-username", username)
    await page.fill("#login-password", PASSWORD)
    await page.click("#login-submit")
    await expect(page.locator("#screen")).to_be_visible(timeout=20000)


async def test_the_call_page_has_the_consoles_header_and_offers_only_shareable_cameras(
        some_unshareable: Hub, call_browser: Browser) -> None:
    town_hub = some_unshareable
    base = console_url(town_hub)
    problems: list[str] = []
    context, page = await open_page(call_browser, {**BIG_SCREEN, "ignore_https_errors": True}, problems)
    await signed_in_through_the_form(page, base, "call/", await account(town_hub, Role.officer))
    header = page.locator("header.page-top")
    await expect(header.locator('a.nav[href="/"]')).to_have_text("值班大屏")
    await expect(header.locator('a.nav[href="/cases/"]')).to_have_text("案件办理")
    await expect(page.locator("#user")).to_have_text("值班员 张伟")
    await expect(page.locator("#town-name")).to_have_text(town_hub.ctx.town.town.name)
    assert town_hub.ctx.calls is not None
    shareable = town_hub.ctx.calls.shareable_cameras()
    assert "CAM07" in shareable and not set(UNREACHABLE) & set(shareable)
    cameras = page.locator("#open select[name=camera] option")
    await expect(cameras).to_have_count(1 + len(shareable))  # 不共享, then the cameras the hub can share
    assert await cameras.evaluate_all("options => options.map(o => o.value)") == ["", *shareable]

    await page.fill("#open input[name=alert_id]", "99999")  # no such alert: refused, and said in Chinese
    await page.click("#open button[type=submit]")
    await expect(page.locator("#open-error")).to_have_text("发起失败：没有这个告警，或它已关闭：请核对告警编号")
    await header.locator(".lang-toggle").click()
    await expect(page.locator("#lobby h2").first).to_have_text("Open video calls")
    await expect(page.locator("#open button[type=submit]")).to_have_text("Open")
    await expect(page.locator("#calls")).to_have_text("None")
    await expect(page.locator("#user")).to_have_text("Duty officer 张伟")
    await header.locator(".lang-toggle").click()
    await header.locator("#sign-out").click()
    await expect(page.locator("#login")).to_be_visible()
    assert await page.evaluate("window.stayed") is True
    await context.close()
    assert problems == ["console: Failed to load resource: the server responded with a status of 404 (Not Found)"], \
        problems  # the refusal the test asked for, and nothing else


async def test_a_cadre_signed_in_through_the_form_is_invited_without_a_reload(
        hub: Hub, call_browser: Browser) -> None:  # noqa: F811
    base = console_url(hub)
    cadre = await account(hub, Role.cadre, "shimen")
    problems: list[str] = []
    _, screen = await open_page(call_browser, {**BIG_SCREEN, "ignore_https_errors": True}, problems)
    await signed_in_through_the_form(screen, base, "", cadre)
    await expect(screen.locator("#map-panel h2")).to_have_text("石门村网格")  # their village's map, not the town's
    async with httpx.AsyncClient(base_url=base, verify=False, headers=await signed_in(hub)) as http:
        made = await http.post("/api/calls", json={"title": "石门村河段会商", "villages": ["shimen"]})
        assert made.status_code == 201, made.text
    banner = screen.locator("#call-invite")
    await expect(banner).to_contain_text("石门村河段会商", timeout=10000)
    assert await screen.evaluate("window.stayed") is True  # no reload
    for control in HEADER_CONTROLS:  # each still on top where it is, so it takes its clicks
        on_top = await screen.locator(control).evaluate(
            "el => { const r = el.getBoundingClientRect();"
            " return el.contains(document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2)); }")
        assert on_top, f"{control} is covered"
    await screen.locator("#view-toggle").click()  # 案件态势: the header works under an invite
    await expect(screen.locator("#cases-view")).to_be_visible()

    await banner.locator("a").click()
    await screen.locator("#join-button").wait_for()
    await join(screen)
    await expect(screen.locator("#status")).to_have_text("已加入（村干部 张伟）", timeout=20000)
    assert problems == [], problems
