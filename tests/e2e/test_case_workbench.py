"""The case workbench and the big screen's cases view in a real headless Chromium: a case filed at the desk is
routed, handled with a photo, verified and closed in the workbench by the duty officer and the village cadre
while the big screen's figures follow live; a case past its limit then shows on the screen's list."""

from __future__ import annotations

import re
from pathlib import Path

import cv2
import numpy as np
import pytest
from playwright.async_api import Browser, Locator, Page, expect

from hub.app import Hub
from hub.users.model import Role
from tests.case_support import PHONE
from tests.e2e.case_pages import WORKBENCH, Shifted, desk_files, take_step
from tests.e2e.pages import BIG_SCREEN, open_page, sign_in
from tests.support import account, hub_settings, make_hub

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.timeout(240)]
REFUSED = "console: Failed to load resource: the server responded with a status of 409 (Conflict)"


def figure(screen: Page, key: str) -> Locator:
    return screen.locator(f'#case-tiles [data-figure="{key}"]')


async def test_a_case_worked_through_in_the_workbench_shows_live_on_the_big_screen(
        tmp_path: Path, chromium: Browser, artifacts: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("hub.cases.service.TICK_S", 0.05)  # the limit timers look often, so the test need not wait
    clock = Shifted()
    async with make_hub(hub_settings(tmp_path, None), clock=clock) as hub:
        officer, cadre = await account(hub, Role.officer), await account(hub, Role.cadre, "shimen")
        case_id = await desk_files(hub, "G19")  # 石门村
        problems: list[str] = []

        _, screen = await open_page(chromium, BIG_SCREEN, problems)
        await sign_in(screen, hub, officer)
        await screen.click("#view-toggle")
        await expect(screen.locator("#cases-view")).to_be_visible()
        await expect(screen.locator("#alerts-panel")).to_be_hidden()
        for key, value in (("received", "1"), ("in_progress", "1"), ("handled", "0"), ("on_time_rate", "—")):
            await expect(figure(screen, f"today-{key}")).to_have_text(value)
        await expect(figure(screen, "month-received")).to_have_text("1")

        _, desk = await open_page(chromium, WORKBENCH, problems)
        await sign_in(desk, hub, officer, path="cases/")
        pane = await the_centre_routes_it(desk, case_id)
        _, village = await open_page(chromium, WORKBENCH, problems)
        await sign_in(village, hub, cadre, path=f"cases/#{case_id}")  # straight to the case, as the screen links
        await the_village_handles_it(village)

        await expect(figure(screen, "today-handled")).to_have_text("1")  # live, without a reload
        await expect(figure(screen, "today-in_progress")).to_have_text("0")
        await expect(figure(screen, "today-on_time_rate")).to_have_text("100%")
        await expect(pane.locator(".case-head .chip.state")).to_have_text("已办结")  # the officer's page too
        await take_step(pane, "verify", note="电话回访属实")
        await expect(pane.locator(".case-head .chip.state")).to_have_text("已核查")
        await take_step(pane, "close")
        await expect(pane.locator(".case-head .chip.state")).to_have_text("已结案")
        actions = [await e.get_attribute("data-action") for e in await pane.locator(".trail li").all()]
        assert actions == ["close", "verify", "handle", "mediation", "start", "route", "accept", "receive"]
        await expect(desk.locator(f'#case-table tr[data-case-id="{case_id}"]')).to_have_count(0)  # no longer open
        await desk.screenshot(path=artifacts / "case-workbench-1600x1000.png")
        await in_english(desk)

        await a_case_past_its_limit_is_listed(hub, clock, screen)
        await screen.screenshot(path=artifacts / "big-screen-cases-1920x1080.png")
        assert await screen.evaluate("window.stayed") is True
        assert problems == [REFUSED]  # the browser's own line for the refusal the test asked for, and nothing else


async def the_centre_routes_it(desk: Page, case_id: int) -> Locator:
    """The officer opens the case (masked), reads the whole record (audited), routes it to the village, and is
    told in place why a reassignment to the same unit is refused."""
    await desk.locator(f'#case-table tr[data-case-id="{case_id}"]').click()
    pane = desk.locator("#case-pane")
    requester = pane.locator('[data-fact="requester"]')
    await expect(requester).to_contain_text("138****1234")
    await pane.locator("#show-whole").click()
    await expect(requester).to_contain_text(PHONE)
    await expect(pane.locator(".whole-note")).to_be_visible()
    await take_step(pane, "route", lead="village:shimen", assisting=["department:judicial"], note="请石门村牵头调处")
    await expect(pane.locator(".case-head .chip.state")).to_have_text("已分流")
    await expect(requester).to_contain_text("138****1234")  # changed: masked again
    refused = await take_step(pane, "reassign", reason="再次确认")  # the same lead and assisting units
    await expect(refused.locator(".refusal")).to_contain_text(re.compile(r"409.*already with 石门村"))
    return pane


async def the_village_handles_it(village: Page) -> None:
    """Shimen's cadre has the unit's steps, not the centre's: starts, records a mediation session, and reports it
    handled with a photo."""
    pane = village.locator("#case-pane")
    await expect(pane.locator('button[data-step="start"]')).to_be_visible()
    await expect(pane.locator('button[data-step="reassign"]')).to_have_count(0)
    await take_step(pane, "start", note="已上门了解情况")
    await expect(pane.locator(".case-head .chip.state")).to_have_text("办理中")
    await pane.locator(".mediation-forms summary").click()
    session = pane.locator('form[data-step="mediation-session"]')
    await session.locator('[name="place"]').fill("调解室一")
    await session.locator('[name="mediators"]').fill("司法所 李华、村干部 张伟")
    await session.locator('[name="summary"]').fill("双方陈述，同意三日内清理通道")
    await session.locator("button[type=submit]").click()
    await expect(pane.locator(".mediation .sessions li")).to_contain_text("调解室一 · 司法所 李华、村干部 张伟")
    await pane.locator('button[data-step="handle"]').click()
    form = pane.locator('form[data-step="handle"]')
    await form.locator('[name="result"]').fill("双方达成协议，杂物已清理")
    png = cv2.imencode(".png", np.full((90, 120, 3), (40, 160, 90), np.uint8))[1].tobytes()
    await form.locator('[name="photos"]').set_input_files(
        files=[{"name": "result.png", "mimeType": "image/png", "buffer": png}])
    await form.locator("button[type=submit]").click()
    await expect(pane.locator(".case-head .chip.state")).to_have_text("已办结")
    await expect(pane.locator(".photo.result img")).to_have_count(1)


async def in_english(desk: Page) -> None:
    """The screen's language switch serves the workbench too, and is kept for both."""
    await desk.locator("header .lang-toggle").click()
    await expect(desk.locator("#case-pane .case-head .chip.state")).to_have_text("Closed")
    await expect(desk.locator("#case-pane button[data-step=reopen]")).to_have_text("Reopen")
    await expect(desk.locator("#case-table th").first).to_have_text("Number")
    await desk.locator("header .lang-toggle").click()
    await expect(desk.locator("#case-table th").first).to_have_text("编号")


async def a_case_past_its_limit_is_listed(hub: Hub, clock: Shifted, screen: Page) -> None:
    """An urgent case (due at the day's close) is listed, linked to the workbench, once the day has gone."""
    late = await desk_files(hub, "G24", urgent=True)  # 柳湾村
    await expect(figure(screen, "today-received")).to_have_text("2")
    await expect(screen.locator("#case-due .case-due-item")).to_have_count(0)
    clock.jump = 9 * 3600  # past 17:30: the timers escalate it, and the feed says so
    item = screen.locator(f'#case-due [data-case-id="{late}"]')
    await expect(item).to_have_class(re.compile(r"\blate\b"))
    assert await item.get_attribute("href") == f"/cases/#{late}"
    await expect(figure(screen, "today-overdue")).to_have_text("1")
    await expect(screen.locator("#case-due-count")).to_have_text("1")
