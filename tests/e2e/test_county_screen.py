"""The county screen in a real headless Chromium at 1920×1080, signed in as a county officer, over a real link: a
county hub and a town hub as processes; an alert raised in the town turns the town's area on the map to its colour,
and a click drills into the town's page, read-only."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from tests.county_support import PASSWORD, County, Town, wait_until
from tests.e2e.pages import open_page

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.timeout(300)]
ORANGE = "#f08a24"


@pytest.fixture
def linked(tmp_path: Path) -> Iterator[tuple[County, Town]]:
    county = County(tmp_path)
    town = Town(tmp_path, county, "qingxi")
    try:
        county.hub.start()
        made = county.http.post("/api/users", json={"username": "zhaomin", "name": "赵敏", "role": "county_officer",
                                                    "password": PASSWORD})
        assert made.status_code == 201, made.text
        town.create_admin()
        town.hub.start()
        wait_until(lambda: county.get("/api/county/towns")[1]["link"] == "up", 60, "the town's link up")
        yield county, town
    finally:
        town.hub.stop()
        county.close()


async def signed_in(page: Page, county: County) -> None:
    await page.goto(county.view + "/county/screen/")
    await page.locator("#username").fill("zhaomin")
    await page.locator("#password").fill(PASSWORD)
    await page.locator("#login button[type=submit]").click()
    await expect(page.locator("#user")).to_have_text("县级值班员 赵敏")


async def test_the_county_screen_follows_a_towns_alert_and_drills_into_it(
        linked: tuple[County, Town], chromium: Browser, artifacts: Path) -> None:
    county, town = linked
    problems: list[str] = []
    _, page = await open_page(chromium, {"viewport": {"width": 1920, "height": 1080}}, problems)
    await signed_in(page, county)
    await expect(page.locator("#county-name")).to_have_text("清江县")
    qingxi_area = page.locator("path.town-qingxi")
    await expect(qingxi_area).to_have_attribute("data-worst", "none")
    row = page.locator('#towns tr[data-town="qingxi"]')
    await expect(row.locator("td").nth(1)).to_have_text("在线")
    await expect(page.locator('#towns tr[data-town="hekou"] td').nth(1)).to_have_text("未连接")
    await asyncio.to_thread(town.level, "RS01", 58.4)  # over its warning level: an orange alert in 青溪镇
    await expect(qingxi_area).to_have_attribute("data-worst", "orange", timeout=30_000)
    await expect(qingxi_area).to_have_attribute("fill", ORANGE)
    await expect(qingxi_area).to_have_class("town-area town-qingxi leaflet-interactive sev-orange")
    await expect(page.locator("path.town-hekou")).to_have_attribute("data-worst", "none")
    # The backlog is what the town last said it held, this batch included: 1, then 0 at its next request.
    await expect(row.locator("td")).to_have_text(["青溪镇", "在线", re.compile(r"^[01]$"), "橙色", "1", "1", "0/0",
                                                  "0", "0", re.compile(r"^\d+/\d+$")])
    await page.screenshot(path=artifacts / "county-screen-1920x1080.png")
    await page.locator(".lang-toggle").last.click()
    await expect(page.locator("[data-i18n=title]")).to_have_text("County command screen")
    await expect(row.locator("td").nth(3)).to_have_text("orange")
    await page.locator(".lang-toggle").last.click()
    await qingxi_area.click()
    await expect(page.locator("h1")).to_have_text("青溪镇 · 清江县")
    await expect(page.locator("#alerts + table tbody tr td").nth(1)).to_have_text("水位超警")
    assert "<form" not in await page.content() and "<button" not in await page.content()  # read-only
    assert problems == [], problems
