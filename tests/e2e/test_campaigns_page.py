"""The centre starts an inspection campaign on its page in Chromium, for one village's commercial self-built houses,
and follows each campaign's progress; a cadre sees the progress of their village and no form to start one."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from hub.users.model import Role
from tests.e2e.pages import BIG_SCREEN, open_page, sign_in
from tests.e2e.test_gridwork_screen import campaign_town
from tests.integration.test_gridwork_api import inspection
from tests.support import account

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.timeout(180)]


async def test_the_centre_starts_a_campaign_for_a_village_and_follows_it(
        tmp_path: Path, chromium: Browser, artifacts: Path) -> None:
    async with campaign_town(tmp_path) as (town, first):
        problems: list[str] = []
        _, page = await open_page(chromium, BIG_SCREEN, problems)
        await sign_in(page, town.hub, await account(town.hub, Role.officer), path="campaigns/")
        listed = page.locator("#campaigns .notice")
        await expect(listed).to_have_count(1)
        await expect(listed.first.locator(".figures")).to_contain_text("已排查 0/5")
        await page.fill('#start input[name="name"]', "2026 石门村经营性自建房复查")
        await page.check('#villages input[value="shimen"]')
        await page.fill('#start input[name="due"]', "2026-12-31")
        await page.click('#start button[type="submit"]')
        await expect(page.locator("#status")).to_have_text("已发起：4 处房屋")
        await expect(listed).to_have_count(2)
        newest = listed.first
        await expect(newest.locator("h3")).to_have_text("2026 石门村经营性自建房复查")
        await expect(newest).to_contain_text("2026-12-31 前完成")
        await expect(newest.locator(".figures")).to_contain_text("已排查 0/4")
        campaigns = (await town.call("officer", "GET", "/api/gridwork/campaigns")).json()
        made = campaigns[-1]
        assert (made["villages"], made["commercial_selfbuilt_only"], made["houses"]) == (["shimen"], True, 4)
        assert await newest.locator("a").get_attribute("href") == f"/api/gridwork/campaigns/{made['id']}/report.xlsx"
        await page.screenshot(path=artifacts / "campaigns-1920x1080.png")

        base = f"/api/gridwork/campaigns/{first}/houses"
        answer = await town.call("g19", "POST", f"{base}/G19-A/inspections", json=await inspection(town, "g19", "none"))
        assert answer.status_code == 201, answer.text
        _, cadre = await open_page(chromium, BIG_SCREEN, problems)
        await sign_in(cadre, town.hub, await account(town.hub, Role.cadre, "shimen"), path="campaigns/")
        await expect(cadre.locator("#start")).to_be_hidden()
        oldest = cadre.locator(f'#campaigns .notice[data-campaign="{first}"] .figures')
        await expect(oldest).to_contain_text("已排查 1/4")  # their village's houses of the town-wide campaign
        assert problems == []
