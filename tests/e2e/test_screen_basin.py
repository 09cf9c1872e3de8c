"""Basin- and town-wide alerts on the big screen, in a real headless Chromium: a basin's alert colours the grids
of every village on the basin for the duty officer, and a village cadre on the basin sees it on their own grids,
labelled and without buttons; a town-wide alert is a banner over the map for everyone who sees it. Escape puts
the drawer and dialogs away."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Browser, Locator, Page, expect

from hub.alerts.model import Alert
from hub.app import Hub
from hub.users.model import Role
from tests.e2e.pages import BIG_SCREEN, hub_for, open_page, sign_in
from tests.screen_support import OFF_BASIN, basin_grids, open_alert, raise_flood_risk, town_with_town_wide_rule
from tests.support import Mosquitto, account

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.timeout(180)]
RED = re.compile(r"\bsev-red\b")
ANY_SEVERITY = re.compile(r"\bsev-")
LIUWAN = ["G22", "G23", "G24", "G25"]  # on the basin (RS02), far from RS01's grid G19


async def test_basin_and_town_wide_alerts_on_the_officers_and_the_cadres_screens(
        tmp_path: Path, own_broker: Mosquitto, chromium: Browser, artifacts: Path) -> None:
    async with hub_for(tmp_path, own_broker, town_with_town_wide_rule()) as hub:
        problems: list[str] = []
        _, page = await open_page(chromium, BIG_SCREEN, problems)
        await sign_in(page, hub, await account(hub, Role.officer))
        await expect(page.locator("path.grid")).to_have_count(43)
        flood = await raise_flood_risk(hub, own_broker.port)
        town_wide = await open_alert(hub, "town-flood")
        card = page.locator(f'article.alert[data-alert-id="{flood.id}"]')
        await expect(card).to_be_visible()
        await expect(card.locator(".wide-badge")).to_have_text("流域预警")
        on_basin = basin_grids(hub.ctx.town)
        await expect(page.locator("path.grid.sev-red")).to_have_count(len(on_basin))
        for grid in LIUWAN:
            await expect(page.locator(f"path.grid-{grid}")).to_have_class(RED)
        off_basin = next(g.id for v in hub.ctx.town.villages for g in v.grids if g.id not in on_basin)
        await expect(page.locator(f"path.grid-{off_basin}")).not_to_have_class(ANY_SEVERITY)
        await the_town_wide_alert_is_a_banner(page, town_wide)
        buttons = page.locator(f'article.alert[data-alert-id="{town_wide.id}"] button')
        await expect(buttons).to_have_count(5)
        assert [await b.get_attribute("data-action") for b in await buttons.all()] == \
            ["acknowledge", "dispatch", "resolve", "case", "call"]  # the last two: open a case, start a call

        await escape_closes_the_drawer(page, flood, town_wide)
        await escape_closes_a_dialog(page, card)
        await page.screenshot(path=artifacts / "big-screen-flood-officer-1920x1080.png")
        cadres = await a_cadre_on_the_basin_sees_it_read_only(chromium, hub, flood, town_wide, problems)
        await cadres.screenshot(path=artifacts / "big-screen-flood-cadre-1920x1080.png")
        await a_cadre_off_the_basin_sees_the_town_only(chromium, hub, flood, town_wide, problems)
        assert problems == []


async def the_town_wide_alert_is_a_banner(page: Page, town_wide: Alert) -> None:
    """Over the map, with the label and the title; it colours no grid."""
    banner = page.locator(f'#town-alerts .town-alert[data-alert-id="{town_wide.id}"]')
    await expect(banner).to_be_visible()
    await expect(banner).to_contain_text("全镇预警")
    await expect(banner).to_contain_text(town_wide.title)
    await expect(page.locator("path.grid.sev-orange")).to_have_count(0)


async def escape_closes_the_drawer(page: Page, flood: Alert, town_wide: Alert) -> None:
    """A grid's drawer lists the basin's and the town's alerts among the grid's own; Escape closes it."""
    await page.locator(f"path.grid-{LIUWAN[0]}").click(position={"x": 6, "y": 6})  # a team's marker sits mid-grid
    await expect(page.locator("#details")).to_be_visible()
    await expect(page.locator("#details-body")).to_contain_text(flood.title)
    await expect(page.locator("#details-body")).to_contain_text(town_wide.title)
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


async def a_cadre_on_the_basin_sees_it_read_only(browser: Browser, hub: Hub, flood: Alert, town_wide: Alert,
                                                 problems: list[str]) -> Page:
    """Liuwan is on the basin: its cadre sees the basin's and the town's alerts, labelled, with no buttons (the
    centre acts on them), and the basin's colours liuwan's grids only, since the map holds no other village."""
    _, page = await open_page(browser, BIG_SCREEN, problems)
    await sign_in(page, hub, await account(hub, Role.cadre, "liuwan"))
    await expect(page.locator("path.grid")).to_have_count(len(LIUWAN))
    await expect(page.locator("article.alert")).to_have_count(2)
    for alert, label in ((flood, "流域预警"), (town_wide, "全镇预警")):
        card = page.locator(f'article.alert[data-alert-id="{alert.id}"]')
        await expect(card.locator(".wide-badge")).to_have_text(label)
        await expect(card.locator("button")).to_have_count(0)
        await expect(card.locator(".read-only")).to_have_text("由中心处置，本村只读")
    for grid in LIUWAN:
        await expect(page.locator(f"path.grid-{grid}")).to_have_class(RED)
    await expect(page.locator(f'#town-alerts .town-alert[data-alert-id="{town_wide.id}"]')).to_be_visible()
    await page.locator("header .lang-toggle").click()
    flood_card = page.locator(f'article.alert[data-alert-id="{flood.id}"]')
    await expect(flood_card.locator(".wide-badge")).to_have_text("Basin-wide")
    await expect(flood_card.locator(".read-only")).to_have_text("Handled by the centre; read-only for the village")
    await expect(page.locator("#town-alerts")).to_contain_text("Town-wide")
    await page.locator("header .lang-toggle").click()
    await expect(flood_card.locator(".wide-badge")).to_have_text("流域预警")
    return page


async def a_cadre_off_the_basin_sees_the_town_only(browser: Browser, hub: Hub, flood: Alert, town_wide: Alert,
                                                   problems: list[str]) -> None:
    """The river does not run through fenglin: its cadre has the town's banner and card, and calm grids."""
    _, page = await open_page(browser, BIG_SCREEN, problems)
    await sign_in(page, hub, await account(hub, Role.cadre, OFF_BASIN))
    await expect(page.locator(f'#town-alerts .town-alert[data-alert-id="{town_wide.id}"]')).to_be_visible()
    await expect(page.locator("article.alert")).to_have_count(1)
    await expect(page.locator(f'article.alert[data-alert-id="{flood.id}"]')).to_have_count(0)
    fenglin = [g.id for v in hub.ctx.town.villages if v.id == OFF_BASIN for g in v.grids]
    await expect(page.locator("path.grid")).to_have_count(len(fenglin))
    for grid in fenglin:
        await expect(page.locator(f"path.grid-{grid}")).not_to_have_class(ANY_SEVERITY)
