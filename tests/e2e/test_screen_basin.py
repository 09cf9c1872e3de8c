"""A basin-wide alert on the big screen, in a real headless Chromium: it colours the grids of every village
on the basin for the duty officer, never for a village cadre; and Escape puts the drawer and dialogs away."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Browser, Locator, Page, expect

from hub.alerts.model import Alert
from hub.app import Hub
from hub.users.model import Role
from tests.e2e.pages import BIG_SCREEN, hub_for, open_page, sign_in
from tests.screen_support import basin_grids, raise_flood_risk
from tests.support import Mosquitto, account

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.timeout(180)]
RED = re.compile(r"\bsev-red\b")
LIUWAN = ["G22", "G23", "G24", "G25"]  # on the basin (RS02), far from RS01's grid G19


async def test_a_basin_alert_colours_the_basin_villages_on_the_officers_map(
        tmp_path: Path, own_broker: Mosquitto, chromium: Browser) -> None:
    async with hub_for(tmp_path, own_broker) as hub:
        problems: list[str] = []
        _, page = await open_page(chromium, BIG_SCREEN, problems)
        await sign_in(page, hub, await account(hub, Role.officer))
        await expect(page.locator("path.grid")).to_have_count(43)
        flood = await raise_flood_risk(hub, own_broker.port)
        card = page.locator(f'article.alert[data-alert-id="{flood.id}"]')
        await expect(card).to_be_visible()
        on_basin = basin_grids(hub.ctx.town)
        await expect(page.locator("path.grid.sev-red")).to_have_count(len(on_basin))
        for grid in LIUWAN:
            await expect(page.locator(f"path.grid-{grid}")).to_have_class(RED)
        off_basin = next(g.id for v in hub.ctx.town.villages for g in v.grids if g.id not in on_basin)
        await expect(page.locator(f"path.grid-{off_basin}")).not_to_have_class(re.compile(r"\bsev-"))

        await escape_closes_the_drawer(page, flood)
        await escape_closes_a_dialog(page, card)
        await a_cadre_on_the_basin_is_not_shown_it(chromium, hub, flood, problems)
        assert problems == []


async def escape_closes_the_drawer(page: Page, flood: Alert) -> None:
    """A grid's drawer lists the basin's alert among the grid's own; Escape closes it."""
    await page.locator(f"path.grid-{LIUWAN[0]}").click(position={"x": 6, "y": 6})  # a team's marker sits mid-grid
    await expect(page.locator("#details")).to_be_visible()
    await expect(page.locator("#details-body")).to_contain_text(flood.title)
    await page.keyboard.press("Escape")
    await expect(page.locator("#details")).to_be_hidden()


async def escape_closes_a_dialog(page: Page, card: Locator) -> None:
    """Escape cancels the resolve and the dispatch dialogs: the alert stays as it was."""
    await card.locator("button[data-action=resolve]").click()
    await expect(page.locator("#note-dialog")).to_be_visible()
    await page.keyboard.press("Escape")
    await expect(page.locator("#note-dialog")).to_be_hidden()
    await card.locator("button[data-action=dispatch]").click()
    await expect(page.locator("#dispatch-dialog")).to_be_visible()
    await page.keyboard.press("Escape")
    await expect(page.locator("#dispatch-dialog")).to_be_hidden()
    await expect(card.locator(".alert-state")).to_have_text("待确认")


async def a_cadre_on_the_basin_is_not_shown_it(browser: Browser, hub: Hub, flood: Alert, problems: list[str]) -> None:
    """Liuwan is on the basin, but town-wide alerts are the centre's: its cadre's grids stay calm."""
    _, page = await open_page(browser, BIG_SCREEN, problems)
    await sign_in(page, hub, await account(hub, Role.cadre, "liuwan"))
    await expect(page.locator("path.grid")).to_have_count(len(LIUWAN))
    await expect(page.locator("#alert-list .empty")).to_have_text("暂无未处置告警")
    await expect(page.locator(f'article.alert[data-alert-id="{flood.id}"]')).to_have_count(0)
    for grid in LIUWAN:
        await expect(page.locator(f"path.grid-{grid}")).not_to_have_class(re.compile(r"\bsev-"))
