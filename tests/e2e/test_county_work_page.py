"""The town's page for the county's work in Chromium, against a town hub and a county hub as real processes: the big
screen's header leads to it with what waits; the officer sends a routed case back with a reason (none is refused),
accepts it when routed again, confirms a broadcast request and acknowledges a directive; the county sees each."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from tests.county_support import PASSWORD, County, Town, wait_until
from tests.e2e.pages import BIG_SCREEN, open_page
from tests.support import REGISTER_KEY

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.timeout(240)]
OFFICER = "县12345中心 张敏"


@pytest.fixture
def linked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[County, Town]]:
    monkeypatch.setenv("GRIDHUB_REGISTER_KEY", REGISTER_KEY)  # the big screen's grid-work panel needs the register
    county = County(tmp_path)
    town = Town(tmp_path, county)
    try:
        county.hub.start()
        town.create_admin()
        town.hub.start()
        yield county, town
    finally:
        town.hub.stop()
        county.close()


def post(county: County, path: str, body: dict[str, Any]) -> Any:
    response = county.http.post(path, json=body)
    assert response.status_code in (200, 201), response.text
    return response.json()


async def signed_in(page: Page, town: Town) -> None:
    await page.goto(f"http://127.0.0.1:{town.http_port}/")
    await page.fill("#login-username", "root")
    await page.fill("#login-password", PASSWORD)
    await page.click("#login-submit")
    await expect(page.locator("#screen")).to_be_visible(timeout=20000)


async def test_the_officer_answers_the_county_from_the_town_page(linked: tuple[County, Town], chromium: Browser,
                                                                 artifacts: Path) -> None:
    county, town = linked
    case = post(county, "/api/county/intake", {"category": "roads", "title": "石门桥护栏断裂",
                                               "matter": "护栏断裂约3米", "requester_name": "刘建国",
                                               "requester_phone": "13812341234", "received_by": OFFICER})
    post(county, f"/api/county/intake/{case['id']}/route", {"town": "qingxi", "by": OFFICER, "note": "请核实"})
    post(county, "/api/county/broadcasts", {"towns": ["qingxi"], "text": "今晚有强降雨，请沿河群众注意安全。",
                                            "requested_by": "县应急局 李华"})
    post(county, "/api/county/directives", {"towns": ["qingxi"], "title": "防汛紧急通知", "text": "请加强河道巡查。",
                                            "issued_by": "县应急局 李华"})
    problems: list[str] = []
    _, page = await open_page(chromium, BIG_SCREEN, problems)
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    await signed_in(page, town)
    link = page.locator("header #county-link")
    await expect(link).to_be_visible()
    await expect(link).to_have_attribute("href", "/county-work/")
    await expect(link.locator("#county-waiting")).to_have_text("3", timeout=30000)
    await page.goto(f"http://127.0.0.1:{town.http_port}/county-work/")
    await expect(page.locator("header h1")).to_have_text("县级事项", timeout=20000)

    routed = page.locator("#routed .item").first
    await expect(routed).to_contain_text("石门桥护栏断裂")
    await expect(routed).to_contain_text("请核实")
    await expect(routed).to_contain_text("刘建国 138****1234")  # masked, as case lists are
    await routed.locator('[data-act="send-back"]').click()
    await expect(routed.locator(".error")).to_have_text("请填写理由")  # nothing sent without a reason
    await routed.locator("textarea").fill("石门桥属县交通局管养")
    await routed.locator('[data-act="send-back"]').click()
    await expect(routed.locator(".state")).to_have_text("已退回")
    wait_until(lambda: county.get(f"/api/county/intake/{case['id']}")["case"]["state"] == "sent_back", 30,
               "the send-back at the county")
    post(county, f"/api/county/intake/{case['id']}/route", {"town": "qingxi", "by": OFFICER, "note": "请受理"})
    await expect(page.locator("#routed .item")).to_have_count(2, timeout=30000)
    again = page.locator("#routed .item").first
    await expect(again).to_contain_text("请受理")
    await again.locator('[data-act="accept"]').click()
    await expect(again.locator(".state")).to_have_text("已受理")
    await expect(again.locator("a.nav")).to_have_attribute("href", "/cases/#1")

    request = page.locator("#broadcasts .item").first
    await request.locator('[data-act="confirm"]').click()
    await expect(request.locator(".state")).to_have_text("已确认播放")
    directive = page.locator("#directives .item").first
    await directive.locator('[data-act="ack"]').click()
    await expect(directive.locator(".state")).to_have_text("已签收")
    await page.screenshot(path=artifacts / "county-work-1920x1080.png")
    await page.click("header .lang-toggle")
    await expect(page.locator("header h1")).to_have_text("County work")
    await expect(again.locator(".state")).to_have_text("accepted")

    wait_until(lambda: county.get(f"/api/county/intake/{case['id']}")["case"]["state"] == "accepted", 30,
               "the acceptance at the county")
    wait_until(lambda: county.get("/api/county/broadcasts", town="qingxi")[0]["state"] != "requested", 30,
               "the confirmation at the county")
    wait_until(lambda: county.get("/api/county/directives", town="qingxi")[0]["acked_by"] is not None, 30,
               "the acknowledgement at the county")
    assert problems == [], problems
