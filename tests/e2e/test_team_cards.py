"""The team board in English on the 1920×1080 screen, in a real headless Chromium: each card's line under the team's
name (since when, members, jobs) is read whole, never cut with an ellipsis."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.e2e.pages import hub_for, officer_screen
from tests.screen_support import open_alert
from tests.support import Mosquitto, console_url, publish_level, signed_in

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.timeout(120)]


async def test_a_team_cards_line_is_whole_in_english(tmp_path: Path, own_broker: Mosquitto, chromium: Browser) -> None:
    async with hub_for(tmp_path, own_broker) as hub:
        problems: list[str] = []
        page = await officer_screen(chromium, hub, problems)
        await publish_level(own_broker.port, "RS01", hub, 58.4)
        alert = await open_alert(hub, "river-level", "RS01")
        biggest = max(hub.ctx.town.teams, key=lambda team: len(team.members))
        async with httpx.AsyncClient(base_url=console_url(hub), headers=await signed_in(hub)) as http:
            made = await http.post("/api/dispatches", json={"alert_id": alert.id, "teams": [biggest.id],
                                                            "instructions": "巡查"})
            assert made.status_code == 201, made.text
        await page.locator("#screen header .lang-toggle").click()
        card = page.locator(f'#team-board article.team[data-team="{biggest.id}"]')
        await expect(card.locator(".team-meta")).to_contain_text(f"{len(biggest.members)} members")
        await expect(card.locator(".team-meta")).to_contain_text(re.compile(r"· 1 job$"))
        cut = await page.locator("#team-board .team-meta, #team-board .team-where").evaluate_all(
            "lines => lines.filter(n => n.scrollWidth > n.clientWidth + 1).map(n => n.textContent)")
        assert cut == [], f"lines cut: {cut}"
        # The status chip sits at the card's bottom right: no line runs under it.
        overlap = await card.evaluate(
            "c => { const chip = c.querySelector('.chip').getBoundingClientRect();"
            " return [...c.querySelectorAll('.team-meta, .team-where')].some(p => { const r = document.createRange();"
            " r.selectNodeContents(p); return [...r.getClientRects()].some(q => q.right > chip.left + 1"
            " && q.bottom > chip.top + 1 && q.top < chip.bottom - 1); }); }")
        assert overlap is False
        assert problems == [], problems
