"""The duty officer's big screen in a real headless Chromium: sign-in, the map, a live alert worked through,
a village cadre kept to their village, and screenshots of the screen and the phone page."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from hub.alerts.model import Alert, AlertState
from hub.app import Hub
from hub.settings import MqttSettings
from hub.users.model import Role
from tests.e2e.pages import BIG_SCREEN, hub_for, open_page, sign_in
from tests.support import (
    PASSWORD,
    Mosquitto,
    account,
    console_url,
    free_port,
    hub_settings,
    make_hub,
    publish_level,
    signed_in,
    wait_for,
)

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.timeout(180)]
PHONE: dict[str, Any] = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
                         "has_touch": True, "locale": "zh-CN", "timezone_id": "Asia/Shanghai",
                         "geolocation": {"longitude": 113.0671, "latitude": 27.2149, "accuracy": 12},
                         "permissions": ["geolocation"]}
ORANGE = re.compile(r"\bsev-orange\b")  # a grid's polygon, coloured by its worst open alert
LIUWAN_DEVICES = {"RS02", "CAM15", "CAM16", "SPK16", "SPK17", "SPK18"}
# Stamps, in the page, when each alert first shows in the feed (page clock: the hub's machine's clock).
WATCH_FEED = """() => {
  window.seenAt = {};
  new MutationObserver(() => {
    for (const a of document.querySelectorAll("article.alert")) window.seenAt[a.dataset.alertId] ??= Date.now();
  }).observe(document.getElementById("alert-list"), { childList: true, subtree: true });
}"""


async def raise_on_rs01(hub: Hub, broker: Mosquitto) -> Alert:
    await publish_level(broker.port, "RS01", hub, 58.4)  # over RS01's warning level, 58.0: orange
    await wait_for(lambda: len(hub.ctx.alerts.book.open_alerts()) == 1, what="alert raised")
    return hub.ctx.alerts.book.open_alerts()[0]


async def test_the_duty_officer_works_an_alert_on_the_big_screen(
        tmp_path: Path, own_broker: Mosquitto, chromium: Browser, artifacts: Path) -> None:
    async with hub_for(tmp_path, own_broker) as hub:
        problems: list[str] = []
        _, page = await open_page(chromium, BIG_SCREEN, problems)
        await sign_in(page, hub, await account(hub, Role.officer))
        await expect(page.locator("path.grid")).to_have_count(43)  # every grid of the sample town
        await expect(page.locator("#map [data-device]")).to_have_count(len(hub.ctx.town.devices))
        await expect(page.locator("#kpis [data-kpi=today] .kpi-value")).to_have_text("0")

        await page.evaluate(WATCH_FEED)
        alert = await raise_on_rs01(hub, own_broker)
        card = page.locator(f'article.alert[data-alert-id="{alert.id}"]')
        await card.wait_for(timeout=2000)
        latency = await page.evaluate(f"window.seenAt['{alert.id}']") / 1000 - alert.raised_at
        assert latency < 1.0, f"the alert reached the screen {latency:.3f} s after the hub raised it"
        await expect(page.locator("path.grid-G19")).to_have_class(ORANGE)
        await expect(page.locator("#kpis [data-kpi=open] .kpi-value")).to_have_text("1")

        await card.locator("button[data-action=acknowledge]").click()
        await expect(card.locator(".alert-state")).to_have_text("已确认")
        acknowledged = hub.ctx.alerts.book.by_id[alert.id]
        assert acknowledged.state is AlertState.ACKNOWLEDGED and "(officer)" in (acknowledged.acknowledged_by or "")
        team = await dispatch_from_the_screen(page, card)
        await expect(card.locator(".alert-state")).to_have_text("已派遣")
        await expect(page.locator(f'#team-board [data-team="{team}"] .chip')).to_have_text("已派遣")

        await expect(page.locator("#kpis [data-kpi=inTime] .kpi-value")).to_have_text("100%")
        await page.wait_for_timeout(500)  # charts settle
        await page.screenshot(path=artifacts / "big-screen-1920x1080.png")
        await phone_screenshot(chromium, hub, f"{team}.1", artifacts, problems)
        await page.click("#sign-out")
        await expect(page.locator("#login-message")).to_have_text("已退出登录")
        assert await page.evaluate("window.stayed") is True
        assert problems == []
        (artifacts / "screen-latency.json").write_text(json.dumps({"alert_to_screen_s": round(latency, 3)}))


async def dispatch_from_the_screen(page: Page, card: Any) -> str:
    """Send the suggested team (the first, available one) to the alert; the team's id."""
    await card.locator("button[data-action=dispatch]").click()
    dialog = page.locator("#dispatch-dialog")
    await expect(dialog).to_be_visible()
    first = dialog.locator(".team-choice input").first
    await expect(first).to_be_checked()
    team = await first.get_attribute("value")
    assert team is not None
    await page.click("#dispatch-send")
    await expect(dialog).to_be_hidden()
    return team


async def phone_screenshot(browser: Browser, hub: Hub, member: str, artifacts: Path, problems: list[str]) -> None:
    """The member's phone, signed in by the one-time link, showing the job just sent."""
    async with httpx.AsyncClient(base_url=console_url(hub), headers=await signed_in(hub)) as http:
        link = (await http.post(f"/api/members/{member}/login-link")).json()
    _, phone = await open_page(browser, PHONE, problems)
    await phone.goto(link["url"])
    await expect(phone.locator("article.job")).to_have_count(1)
    await expect(phone.locator("#net")).to_have_text("在线")
    await phone.screenshot(path=artifacts / "phone-390x844.png")


async def test_a_village_cadre_sees_only_their_village(
        tmp_path: Path, own_broker: Mosquitto, chromium: Browser) -> None:
    async with hub_for(tmp_path, own_broker) as hub:
        alert = await raise_on_rs01(hub, own_broker)  # in 石门村 (shimen)
        problems: list[str] = []
        context, page = await open_page(chromium, BIG_SCREEN, problems)
        await sign_in(page, hub, await account(hub, Role.cadre, "liuwan"))
        await expect(page.locator("path.grid")).to_have_count(4)
        await expect(page.locator("#map [data-device]")).to_have_count(len(LIUWAN_DEVICES))
        shown = {await d.get_attribute("data-device") for d in await page.locator("#map [data-device]").all()}
        assert shown == LIUWAN_DEVICES
        await expect(page.locator("#alert-list .empty")).to_have_text("暂无未处置告警")
        await expect(page.locator("#team-board [data-team]")).to_have_count(1)
        await expect(page.locator("#kpis [data-kpi=open] .kpi-value")).to_have_text("0")
        assert await page.locator("article.alert").count() == 0

        async with httpx.AsyncClient(base_url=console_url(hub),
                                     headers=await signed_in(hub, Role.cadre, "liuwan")) as http:
            assert (await http.get("/api/devices/RS01")).status_code == 403
            assert (await http.get(f"/api/alerts/{alert.id}")).status_code == 403
            assert (await http.get("/api/alerts?village=shimen")).status_code == 403
        await the_owner_sees_it_without_dispatch(chromium, hub, alert, problems)
        await switch_language(page)
        assert problems == []
        await session_ended_elsewhere(hub, context, page, problems)


async def the_owner_sees_it_without_dispatch(browser: Browser, hub: Hub, alert: Alert, problems: list[str]) -> None:
    """Shimen's cadre has the alert, with acknowledge and resolve but no dispatch (the centre's)."""
    _, page = await open_page(browser, BIG_SCREEN, problems)
    await sign_in(page, hub, await account(hub, Role.cadre, "shimen"))
    card = page.locator(f'article.alert[data-alert-id="{alert.id}"]')
    await expect(card.locator("button")).to_have_count(2)
    await expect(card.locator("button[data-action=dispatch]")).to_have_count(0)
    await expect(page.locator("path.grid-G19")).to_have_class(ORANGE)


async def switch_language(page: Page) -> None:
    await page.locator("header .lang-toggle").click()
    await expect(page.locator("#alert-list .empty")).to_have_text("No open alerts")
    assert await page.evaluate("localStorage.getItem('gridhub.lang')") == "en"
    await page.locator("header .lang-toggle").click()
    await expect(page.locator("#alert-list .empty")).to_have_text("暂无未处置告警")


async def end_session_elsewhere(hub: Hub, context: BrowserContext) -> None:
    """Sign the browser's session out as another tab or an admin would: the page is not told."""
    cookie = next(c["value"] for c in await context.cookies() if c["name"] == "gridhub_session")
    async with httpx.AsyncClient(base_url=console_url(hub), cookies={"gridhub_session": cookie}) as http:
        assert (await http.post("/api/auth/logout")).status_code == 204


async def session_ended_elsewhere(hub: Hub, context: BrowserContext, page: Page, problems: list[str]) -> None:
    """A session ended elsewhere: the next call answers 401 and the screen asks to sign in again, without
    reloading; signed in again, it starts afresh."""
    await end_session_elsewhere(hub, context)
    await page.locator('#map [data-device="RS02"]').click()  # asks the hub for the station's details
    await expect(page.locator("#login-message")).to_have_text("登录已失效，请重新登录")
    await page.fill("#login-username", "cadre.liuwan")
    await page.fill("#login-password", PASSWORD)
    await page.click("#login-submit")
    await expect(page.locator("path.grid")).to_have_count(4)  # the same screen, started again, not doubled
    await expect(page.locator("#map [data-device]")).to_have_count(len(LIUWAN_DEVICES))
    assert await page.evaluate("window.stayed") is True
    assert all("401" in p for p in problems), problems  # the refused call itself, and nothing else


async def test_the_screen_comes_back_by_itself_after_the_hub_restarts(
        tmp_path: Path, own_broker: Mosquitto, chromium: Browser) -> None:
    mqtt = MqttSettings(host="127.0.0.1", port=own_broker.port, keepalive_s=5)
    settings = hub_settings(tmp_path, mqtt, http_port=free_port())  # the same address, and the same sessions, after
    problems: list[str] = []
    context, page = await open_page(chromium, BIG_SCREEN, problems)
    async with make_hub(settings) as hub:
        first = await raise_on_rs01(hub, own_broker)
        await sign_in(page, hub, await account(hub, Role.officer))
        await expect(page.locator(f'article.alert[data-alert-id="{first.id}"]')).to_be_visible()
        await expect(page.locator("#link")).to_have_text("实时")
    await expect(page.locator("#link")).to_have_text("重连中…")
    async with make_hub(settings) as hub:
        await expect(page.locator("#link")).to_have_text("实时", timeout=20000)
        await publish_level(own_broker.port, "RS02", hub, 57.6)  # over RS02's warning level, 57.3
        await wait_for(lambda: len(hub.ctx.alerts.book.open_alerts()) == 2, what="a second alert")
        second = next(a for a in hub.ctx.alerts.book.open_alerts() if a.id != first.id)
        await expect(page.locator(f'article.alert[data-alert-id="{second.id}"]')).to_be_visible()
        await expect(page.locator("article.alert")).to_have_count(2)
        await expect(page.locator("path.grid-G24")).to_have_class(ORANGE)
        await end_session_elsewhere(hub, context)  # the open sockets are not told ...
    async with make_hub(settings):
        # ... but reconnecting they are refused (4401), and the screen asks to sign in again.
        await expect(page.locator("#login-message")).to_have_text("登录已失效，请重新登录", timeout=20000)
    assert await page.evaluate("window.stayed") is True
    # While the hub was away the browser said so, for every socket and call that found it gone, and a call may
    # have met the ended session (401) before the sockets did; nothing else.
    expected = ("ERR_CONNECTION_REFUSED", "WebSocket connection", "status of 401")
    assert all(any(e in p for e in expected) for p in problems), problems
