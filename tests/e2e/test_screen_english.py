"""The big screen in English, in a real headless Chromium: with an alert raised from a real report, no Chinese is
left in any panel or in the drawers of a grid, a device, an alert and a team, other than the names the town file gives
(villages, grids, devices, people, teams); the drawer follows the switch while it is open."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from hub.town import Town
from tests.e2e.pages import hub_for, officer_screen
from tests.screen_support import open_alert
from tests.support import Mosquitto, publish_level

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.timeout(180)]
CHINESE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+")


def proper_names(town: Town, user: str) -> list[str]:
    """What stays as the town file writes it in either language, longest first (a village inside a grid's name)."""
    names = {town.town.name, user}
    for v in town.villages:
        names |= {v.name, v.cadre.name, *(n for g in v.grids for n in (g.name, g.worker.name, g.wechat_group))}
    names |= {d.name for d in town.devices} | {d.basin for d in town.devices if d.basin}
    names |= {t.name for t in town.teams} | {m.name for t in town.teams for m in t.members}
    return sorted((n for n in names if n), key=len, reverse=True)


async def chinese_left(page: Page, selector: str, names: list[str]) -> list[str]:
    """Chinese in the element's text once the proper names are taken out; the language switch (中文) aside."""
    text = await page.locator(selector).evaluate(
        "node => { const copy = node.cloneNode(true); copy.querySelectorAll('.lang-toggle').forEach(b => b.remove());"
        " document.body.append(copy); const text = copy.innerText; copy.remove(); return text; }")
    for name in names:
        text = text.replace(name, "")
    return sorted(set(CHINESE.findall(text)))


async def test_english_mode_leaves_no_chinese_in_the_panels_and_drawers(
        tmp_path: Path, own_broker: Mosquitto, chromium: Browser) -> None:
    async with hub_for(tmp_path, own_broker) as hub:
        problems: list[str] = []
        page = await officer_screen(chromium, hub, problems)
        await publish_level(own_broker.port, "RS01", hub, 58.4)
        alert = await open_alert(hub, "river-level", "RS01")
        card = page.locator(f'article.alert[data-alert-id="{alert.id}"]')
        await expect(card).to_be_visible()
        names = proper_names(hub.ctx.town, "张伟")
        station = hub.ctx.town.device_map()["RS01"]

        await page.locator(f"path.grid-{station.grid}").dispatch_event("click")  # the grid's drawer, in Chinese
        await expect(page.locator("#details")).to_contain_text("网格员")
        await page.locator("#screen header .lang-toggle").click()
        await expect(page.locator("#details")).to_contain_text("Grid worker")  # followed the switch while open
        assert await chinese_left(page, "#details", names) == []
        await expect(card.locator(".alert-title")).to_have_text("River level over warning")
        await expect(card.locator(".alert-message")).to_contain_text("Water level 58.4 m, above 58 m")
        await expect(page.locator("#user")).to_have_text("Duty officer 张伟")
        assert await chinese_left(page, "#screen", names) == []
        cut = await page.locator("#team-board .team-name").evaluate_all(
            "names => names.filter(n => n.scrollWidth > n.clientWidth + 1).map(n => n.textContent)")
        assert cut == [], f"team names cut: {cut}"
        await expect(page.locator("#team-board .team-name").first).to_have_text(hub.ctx.town.teams[0].name)

        await page.locator("#map [data-device=RS01]").dispatch_event("click")
        await expect(page.locator("#details h3")).to_contain_text("RS01")
        await expect(page.locator("#details")).to_contain_text("Latest")
        assert await chinese_left(page, "#details", names) == []

        await card.locator("button[data-action=dispatch]").click()  # the dispatch dialog, in English too
        await expect(page.locator("#dispatch-teams .team-choice").first).to_be_visible()
        await expect(page.locator("#dispatch-alert")).to_contain_text("River level over warning")
        assert await chinese_left(page, "#dispatch-dialog", names) == []
        await page.locator("#dispatch-dialog button[value=cancel]").click()
        await card.locator("button[data-action=resolve]").click()  # and the resolve dialog's warning
        await expect(page.locator("#note-warning")).to_contain_text("condition still holds")
        assert await chinese_left(page, "#note-dialog", names) == []
        await page.locator("#note-dialog button[value=cancel]").click()
        await card.locator("button[data-action=case]").click()  # the case form says what the alert is in English
        intro = page.locator('dialog[data-ask="case"] .ask-intro')
        await expect(intro).to_contain_text(re.compile(r"^River level over warning: .*Water level 58.4 m, above 58 m"))
        assert await chinese_left(page, 'dialog[data-ask="case"] .ask-intro', names) == []
        categories = page.locator('dialog[data-ask="case"] select[name="category"] option')
        await expect(categories.filter(has_text="Flood safety")).to_have_count(1)  # the hub's English name
        assert await chinese_left(page, 'dialog[data-ask="case"] select[name="category"]', names) == []
        await page.locator('dialog[data-ask="case"] button[value="cancel"]').click()
        await page.locator("#details-close").click()
        await card.locator(".alert-message").click()  # an alert opens its grid's drawer
        await expect(page.locator("#details")).to_be_visible()
        await expect(page.locator("#details")).to_contain_text("River level over warning")
        assert await chinese_left(page, "#details", names) == []
        await a_teams_drawer_is_english_too(page, hub.ctx.town, names)
        assert problems == [], problems


async def a_teams_drawer_is_english_too(page: Page, town: Town, names: list[str]) -> None:
    """A team's drawer: its members' usual roles (队长, 队员) read in English; the town's names stay."""
    team = next(t for t in town.teams if {m.role for m in t.members} >= {"队长", "队员"})
    await page.locator(f'#team-board .team[data-team="{team.id}"]').click()
    await expect(page.locator("#details h3")).to_have_text(team.name)
    await expect(page.locator("#details li.crew-member").first).to_contain_text(f"Leader · {team.id}.1")
    await expect(page.locator("#details")).to_contain_text("Members")
    assert await chinese_left(page, "#details", names) == []
