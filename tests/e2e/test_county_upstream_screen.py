"""上游来水 on the big screen of the town below, in a real headless Chromium: a county hub and two town hubs as
processes, linked over HTTPS; 青溪镇's river rises, 河口镇's duty officer sees the warning with the water's arrival
among the town's alerts, in Chinese and in English, until 青溪镇 resolves its alert."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import time
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, expect

from tests.county_support import PASSWORD, County, Town, start_all, wait_until
from tests.e2e.pages import BIG_SCREEN, open_page

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.timeout(300)]


@pytest.fixture
def river(tmp_path: Path) -> Iterator[tuple[County, Town, Town]]:
    county = County(tmp_path)
    qingxi, hekou = Town(tmp_path, county, "qingxi"), Town(tmp_path, county, "hekou")
    try:
        county.hub.start()
        for town in (qingxi, hekou):
            town.create_admin()
        start_all(qingxi.hub, hekou.hub)
        yield county, qingxi, hekou
    finally:
        for town in (qingxi, hekou):
            town.hub.stop()
        county.close()


def rise(town: Town) -> None:
    now = time.time()
    for minutes, metres in ((40, 56.0), (30, 56.15), (20, 56.3), (10, 56.45), (0, 56.6)):  # 0.9 m an hour
        town.level("RS01", metres, now - minutes * 60)


async def test_the_town_below_sees_the_upstream_water_on_its_screen(river: tuple[County, Town, Town],
                                                                    chromium: Browser) -> None:
    county, qingxi, hekou = river
    problems: list[str] = []
    _, page = await open_page(chromium, BIG_SCREEN, problems)
    unavailable: list[str] = []  # the county tests' towns do not read their cameras: those answer 503
    page.on("response", lambda r: unavailable.append(r.url) if r.status == 503 else None)
    await page.goto(f"http://127.0.0.1:{hekou.http_port}/")
    await page.fill("#login-username", "root")
    await page.fill("#login-password", PASSWORD)
    await page.click("#login-submit")
    await expect(page.locator("#screen")).to_be_visible(timeout=20000)
    await asyncio.to_thread(rise, qingxi)
    card = page.locator("article.alert", has_text="上游来水")
    await expect(card).to_have_count(1, timeout=40_000)
    card = page.locator(f'article.alert[data-alert-id="{await card.get_attribute("data-alert-id")}"]')
    source = next(a for a in county.get("/api/county/alerts", town="qingxi") if a["rule"] == "river-rise")
    arrives = dt.datetime.fromtimestamp(source["at"] + 150 * 60, ZoneInfo("Asia/Shanghai")).strftime("%H:%M")
    await expect(card.locator(".alert-title")).to_have_text("上游来水")
    await expect(card.locator(".alert-message")).to_have_text(
        f"上游来水：青溪镇 清溪河石门水位站 水位上涨，预计 {arrives} 到达")
    await page.locator("#screen .lang-toggle").click()
    await expect(card.locator(".alert-title")).to_have_text("Water coming from upstream")
    await expect(card.locator(".alert-message")).to_have_text(
        f"Water from upstream: 青溪镇 清溪河石门水位站 rising, expected here at {arrives}")
    console = qingxi.signed_in()
    try:
        done = console.post(f"/api/alerts/{source['alert_id']}/resolve", json={"note": "水位回落"})
        assert done.status_code == 200, done.text
    finally:
        console.close()
    # Resolved with its source: greyed on the screen for a minute, as any resolved alert, then gone.
    await expect(card).to_have_class(re.compile(r"\bstate-resolved\b"), timeout=40_000)
    await expect(card.locator(".alert-state")).to_have_text("Resolved")
    await asyncio.to_thread(wait_until, lambda: not hekou.open_alerts(), 10, "no open alert at 河口镇")
    assert all("/api/cameras/" in url for url in unavailable), unavailable
    assert [p for p in problems if "status of 503" not in p] == [], problems
