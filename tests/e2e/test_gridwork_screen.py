"""The big screen's inspection progress in a real headless Chromium: a grid worker's inspections move the
figures of their village without a reload, and the panel speaks Chinese, then English."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Locator, Page, expect

from hub.users.model import Role
from tests.e2e.pages import BIG_SCREEN, open_page, sign_in
from tests.integration.test_gridwork_api import HOUSES, Town, house, inspection, start
from tests.integration.test_register_api import login
from tests.support import PASSWORD, ManualClock, account, console_url, hub_settings, make_hub, signed_in

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.timeout(240)]


def cell(screen: Page, village: str, figure: str) -> Locator:
    return screen.locator(f'#gridwork-table tr[data-village="{village}"] td[data-figure="{figure}"]')


@asynccontextmanager
async def campaign_town(tmp_path: Path) -> AsyncIterator[tuple[Town, int]]:
    """A hub with the six houses, grid worker gw.g19 and the duty officer signed in, and a campaign started."""
    clock = ManualClock()
    async with make_hub(hub_settings(tmp_path, None), clock=clock) as hub, \
            httpx.AsyncClient(base_url=console_url(hub)) as http:
        await hub.ctx.users.create("gw.g19", PASSWORD, "刘洋", Role.grid_worker, grids=("G19",))
        town = Town(hub, http, {"officer": await signed_in(hub, Role.officer), "g19": await login(http, "gw.g19")},
                    clock)
        for number, grid, commercial in HOUSES:
            await town.call("officer", "PUT", f"/api/register/houses/{number}", json=house(number, grid, commercial))
        yield town, await start(town)


async def big_screen(chromium: Browser, town: Town, problems: list[str]) -> Page:
    """The duty officer's big screen, signed in, on its cases view."""
    _, screen = await open_page(chromium, BIG_SCREEN, problems)
    await sign_in(screen, town.hub, await account(town.hub, Role.officer))
    await screen.click("#view-toggle")
    return screen


async def test_inspections_move_the_big_screens_progress(tmp_path: Path, chromium: Browser, artifacts: Path) -> None:
    async with campaign_town(tmp_path) as (town, campaign):
        problems: list[str] = []
        screen = await big_screen(chromium, town, problems)
        await expect(screen.locator("#gridwork-panel")).to_be_visible()
        await expect(screen.locator("#gridwork-name")).to_have_text("2026 经营性自建房安全隐患排查")
        await expect(cell(screen, "shimen", "inspected")).to_have_text("0/4")
        await expect(cell(screen, "town", "inspected")).to_have_text("0/5")
        await expect(screen.locator("#gridwork-table tr[data-village='shimen'] td").first).to_have_text("石门村")

        base = f"/api/gridwork/campaigns/{campaign}/houses"
        await town.call("g19", "POST", f"{base}/G19-A/inspections",
                        json=await inspection(town, "g19", "major", cracks="严重"))
        await town.call("g19", "POST", f"{base}/G19-B/inspections", json=await inspection(town, "g19", "none"))
        await expect(cell(screen, "shimen", "inspected")).to_have_text("2/4", timeout=25000)  # without a reload
        await expect(cell(screen, "shimen", "major")).to_have_text("1")
        await expect(cell(screen, "town", "hazards")).to_have_text("1")
        await expect(cell(screen, "liuwan", "inspected")).to_have_text("0/1")
        await screen.screenshot(path=str(artifacts / "gridwork-screen.png"))
        await screen.click("header .lang-toggle")
        await expect(screen.locator("#gridwork-panel h2 [data-i18n]")).to_have_text("Inspection progress")
        await expect(screen.locator("#gridwork-table th").nth(1)).to_have_text("Inspected")
        assert await screen.evaluate("window.stayed")
        assert problems == []
