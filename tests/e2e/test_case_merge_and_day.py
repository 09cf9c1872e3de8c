"""The workbench's merge screen and day view in a real headless Chromium: the duty officer compares a likely
duplicate side by side and merges it with a reason, follows the links both ways, splits it off again; then books
the duty judge for a case in the day view and cancels it with a reason that the case's trail shows."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, Locator, Page, expect

from hub.users.model import Role
from tests.e2e.case_pages import WORKBENCH, Shifted, desk_files
from tests.e2e.pages import open_page, sign_in
from tests.support import account, hub_settings, make_hub

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.timeout(240)]


async def trail(pane: Locator) -> list[str | None]:
    return [await e.get_attribute("data-action") for e in await pane.locator(".trail li").all()]


async def test_merge_split_and_book_in_the_workbench(tmp_path: Path, chromium: Browser, artifacts: Path) -> None:
    async with make_hub(hub_settings(tmp_path, None), clock=Shifted()) as hub:
        first = await desk_files(hub, "G19")
        second = await desk_files(hub, "G19", source="wechat", accept=False,
                                  matter="邻居在公共通道里堆放杂物，老人通行不便")
        problems: list[str] = []
        _, page = await open_page(chromium, WORKBENCH, problems)
        await sign_in(page, hub, await account(hub, Role.officer), path=f"cases/#{second}")
        pane = page.locator("#case-pane")
        await merged_after_comparing(page, pane, first, second, artifacts)
        await split_off_again(pane, first, second)
        await booked_and_cancelled(page, pane, artifacts)
        assert problems == []


async def merged_after_comparing(page: Page, pane: Locator, first: int, second: int, artifacts: Path) -> None:
    """The later case shows the earlier one as a likely duplicate; compared, it is merged into it, and each case
    links to the other."""
    suggestion = pane.locator(f'.duplicates li[data-case-id="{first}"]')
    await expect(suggestion).to_contain_text("20260309-0001")
    await expect(suggestion).to_contain_text("同一类别")
    await suggestion.locator("button").click()
    table = pane.locator(".compare-table")
    await expect(table.locator("thead")).to_contain_text("疑似重复件")
    await expect(table).to_contain_text("20260309-0002")
    await expect(table.locator("tr.same").first).to_be_visible()  # what the two share stands out
    form = pane.locator('form[data-step="merge"]')
    await expect(form.locator('[name="direction"]')).to_have_value("this")  # the later into the earlier
    await form.locator('[name="reason"]').fill("同一通道堆物，同一户反映")
    await pane.page.screenshot(path=artifacts / "case-merge-1600x1000.png")
    await form.locator("button[type=submit]").click()
    await expect(pane.locator(".case-head .chip.state")).to_have_text("已合并")
    await expect(pane.locator(".merge-compare")).to_be_empty()
    into = pane.locator(".merge-links .merged-into a")
    await expect(into).to_contain_text("20260309-0001")
    await expect(pane.locator('button[data-step="split"]')).to_be_visible()  # the way back, on this side too
    await into.click()
    await expect(page).to_have_url(f"{page.url.split('#')[0]}#{first}")
    await expect(pane.locator(f'.merge-links .merged-from[data-case-id="{second}"]')).to_contain_text(
        "20260309-0002")
    assert (await trail(pane))[0] == "absorb"


async def split_off_again(pane: Locator, first: int, second: int) -> None:
    """From the case it was merged into, the duplicate is split off with a reason, back in its own state."""
    item = pane.locator(f'.merge-links .merged-from[data-case-id="{second}"]')
    await item.locator(f'button[data-split="{second}"]').click()
    form = item.locator(f'form[data-step="split-{second}"]')
    await form.locator('[name="reason"]').fill("复核：两户反映的是不同通道")
    await form.locator("button[type=submit]").click()
    await expect(pane.locator(".merge-links")).to_have_count(0)
    assert (await trail(pane))[0] == "split_off"
    await pane.page.goto(pane.page.url.replace(f"#{first}", f"#{second}"))
    await expect(pane.locator(".case-head .chip.state")).to_have_text("已接收")
    assert (await trail(pane))[:2] == ["split", "merge"]
    await pane.page.goto(pane.page.url.replace(f"#{second}", f"#{first}"))


async def booked_and_cancelled(page: Page, pane: Locator, artifacts: Path) -> None:
    """The duty judge sits on Wednesdays: booked for the case in the day view, then cancelled with a reason."""
    await expect(pane.locator(".case-appointments")).to_contain_text("暂无预约")
    await pane.locator("#book-appointment").click()
    day = page.locator("#day")
    await expect(day.locator(".for-case")).to_contain_text("20260309-0001")
    await expect(day.locator('th[data-resource="judge"]')).to_contain_text("今日不在岗")  # Monday
    await day.locator('input[name="date"]').fill("2026-03-11")
    await day.locator('input[name="date"]').dispatch_event("change")
    await expect(day.locator('th[data-resource="judge"]')).not_to_contain_text("不在岗")
    await day.locator('td[data-resource="judge"] button[data-start="2026-03-11T02:00:00.000Z"]').click()
    form = day.locator('form[data-step="book"]')
    await expect(form.locator('[name="name"]')).to_have_value("王秀英")
    await form.locator('[name="phone"]').fill("13812341234")
    await form.locator('[name="purpose"]').fill("法官释法")
    await form.locator("button[type=submit]").click()
    block = day.locator(".day-grid button.booked")
    await expect(block).to_contain_text("10:00–11:00")
    await expect(block.locator("xpath=..")).to_have_attribute("rowspan", "2")
    await page.screenshot(path=artifacts / "appointments-day-1600x1000.png")
    await block.click()
    side = day.locator(".day-side")
    await side.locator("button[data-cancel]").click()
    await side.locator('[name="reason"]').fill("当事人外出，改期另约")
    await side.locator("button[type=submit]").click()
    await expect(day.locator(".day-grid button.booked")).to_have_count(0)
    await expect(day.locator(".day-cancelled")).to_contain_text("已取消：当事人外出，改期另约")
    await day.locator(".for-case a").click()
    await expect(pane.locator(".case-appointments .appointment.cancelled")).to_contain_text("驻站法官 罗建平")
    assert (await trail(pane))[:2] == ["appointment_cancel", "appointment"]
    await expect(pane.locator('.trail li[data-action="appointment_cancel"] q')).to_contain_text("当事人外出")
