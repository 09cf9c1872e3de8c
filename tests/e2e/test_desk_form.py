"""The visitor desk page in a real headless Chromium: sign in, register a visitor with an appointment, get the
receipt; a second desk loses the same slot with a clear message and sees the likely duplicate."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from hub.app import Hub
from hub.cases.model import CaseState
from hub.users.model import Role
from tests.case_support import ID_NUMBER, PHONE, town_ts
from tests.support import PASSWORD, account, console_url, hub_settings, make_hub

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.timeout(120)]
DESK: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


def monday_morning() -> Any:
    """The hub's clock: 2026-03-09 09:00 town time, a working Monday, running at real speed."""
    start, real = town_ts("2026-03-09 09:00"), time.time()
    return lambda: start + (time.time() - real)


async def open_desk(browser: Browser, hub: Hub, problems: list[str]) -> Page:
    """A desk's own browser, signed in through the page's form as the duty officer."""
    page = await (await browser.new_context(**DESK)).new_page()
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    await page.goto(console_url(hub) + "desk/")
    await expect(page.locator("#login")).to_be_visible()
    await page.fill("#login-username", "officer")
    await page.fill("#login-password", PASSWORD)
    await page.click("#login-submit")
    await expect(page.locator("#desk")).to_be_visible()
    await expect(page.locator("#who")).to_contain_text("值班员")
    return page


async def fill_visitor(page: Page, name: str) -> None:
    await page.fill("[name=name]", name)
    await page.fill("[name=phone]", PHONE)
    await page.fill("[name=id_number]", ID_NUMBER)
    await page.fill("[name=address]", "石门村三组8号")
    await page.select_option("[name=village]", "shimen")
    await page.select_option("[name=grid]", "G19")
    await page.select_option("[name=category]", "disputes")
    await page.select_option("[name='attr:dispute_kind']", "neighbour")  # the category's own question
    await page.select_option("[name=kind]", "dispute")
    await expect(page.locator("#limit")).to_contain_text("受理后10个工作日内办结")
    await page.fill("[name=matter]", "邻居在公共通道堆放杂物，影响老人通行，多次协商未果")


async def book_first_slot(page: Page, room: str) -> str:
    await page.check("[name=book]")
    await page.select_option("[name=resource]", room)
    await expect(page.locator("[name=slot] option").first).to_have_text("09:30")
    await page.fill("[name=purpose]", "邻里纠纷调解")
    return str(await page.locator("[name=slot]").input_value())


async def test_a_visitor_registered_at_the_desk(tmp_path: Path, chromium: Browser) -> None:
    settings = hub_settings(tmp_path, None)
    async with make_hub(settings, clock=monday_morning()) as hub:
        await account(hub, Role.officer)
        problems: list[str] = []
        first, second = await open_desk(chromium, hub, problems), await open_desk(chromium, hub, problems)

        await first.click("#submit")  # nothing filled in: told what is missing, nothing sent
        await expect(first.locator("#form-error")).to_contain_text("请填写来访人姓名")
        assert hub.ctx.cases.book.cases == {}

        await fill_visitor(first, "王秀英")
        await fill_visitor(second, "李建国")
        slot = await book_first_slot(first, "mediation-1")
        assert await book_first_slot(second, "mediation-1") == slot  # both desks see 09:30 free

        await first.click("#submit")
        await expect(first.locator("#receipt")).to_be_visible()
        await expect(first.locator("#r-number")).to_have_text("20260309-0001")
        await expect(first.locator("#r-state")).to_have_text("已受理")
        await expect(first.locator("#r-due")).to_have_text("2026/03/23 17:30 前（10个工作日）")
        await expect(first.locator("#r-requester")).to_have_text("王秀英 138****1234")
        await expect(first.locator("#r-appointment")).to_have_text("调解室一 2026/03/09 09:30—10:30")
        case = hub.ctx.cases.book.cases[1]
        assert case.state is CaseState.ACCEPTED and case.requester is not None and case.requester.phone == PHONE
        assert case.village == "shimen" and case.attributes == {"dispute_kind": "neighbour"}

        await second.click("#submit")  # the slot went to the first desk meanwhile
        await expect(second.locator("#form-error")).to_contain_text("所选时段已被预约")
        assert len(hub.ctx.cases.book.cases) == 1
        await expect(second.locator("[name=slot] option").first).to_have_text("10:30")  # an hour from 09:30 is taken
        await second.click("#submit")
        await expect(second.locator("#r-number")).to_have_text("20260309-0002")
        await expect(second.locator("#r-duplicates")).to_contain_text("20260309-0001")

        await first.click("#next")
        await expect(first.locator("#case-form")).to_be_visible()
        assert await first.locator("[name=name]").input_value() == ""
        assert problems == []
