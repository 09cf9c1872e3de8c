"""The county's page in a real headless Chromium: the towns with their link and worst alert, a drill-down into
one town (its alerts, cases and directives), in Chinese and in English, with no error in the console."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from adapters.county.server import CountyHub
from hub.county.config import Stream, load_county
from hub.county.messages import AlertUp, CaseUp, LinkBatch, LinkMessage, StationUp, SummaryUp
from hub.settings import DEFAULT_TOWN
from hub.users.model import Role
from tests.e2e.pages import open_page

PASSWORD = "county-officer-pw"
pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.timeout(120)]


def arrived(now: float) -> LinkBatch:
    alert = AlertUp(town_seq=1, alert_id=3, rule="river-level", source="RS01", title="水位超警", severity="orange",
                    state="raised", message="", action="raise", actor="system", note="", at=now, raised_at=now,
                    device="RS01", basin="清溪河")
    case = CaseUp(case_id=1, number="20260701-0001", category="disputes", title="邻里纠纷", state="accepted",
                  action="accept", at=now, created_at=now, due_at=now + 3 * 86400, limit="3个工作日")
    station = StationUp(device="RS01", name="清溪河石门水位站", kind="river_station", basin="清溪河",
                        values={"water_level": 58.4, "water_level_rise": 0.12}, at=now, warning_level=58.0)
    summary = SummaryUp(at=now, alerts_open={"orange": 1}, cases_open=1, cases_overdue=0, devices={"online": 3},
                        stations=[station])
    return LinkBatch(town="qingxi", backlog=0, messages=[LinkMessage(stream=Stream.ALERTS, seq=1, body=alert),
                                                         LinkMessage(stream=Stream.CASES, seq=1, body=case),
                                                         LinkMessage(stream=Stream.SUMMARY, seq=1, body=summary)])


async def test_the_county_page_and_a_towns_drill_down(tmp_path: Path, chromium: Browser) -> None:
    county = load_county(DEFAULT_TOWN.parent / "county.yaml")
    county = county.model_copy(update={"link": county.link.model_copy(update={"host": "127.0.0.1", "port": 0})})
    hub = CountyHub(county, f"sqlite:///{tmp_path / 'county.sqlite3'}", tmp_path, "127.0.0.1", 0)
    await hub.start()
    try:
        now = time.time()
        hub.store.receive("qingxi", arrived(now), now)
        hub.store.issue(["qingxi"], "防汛紧急通知", "今晚加强巡查", "县应急局 李华", now)
        await hub.users.create("zhaomin", PASSWORD, "赵敏", Role.county_officer)
        problems: list[str] = []
        _, page = await open_page(chromium, {"viewport": {"width": 1920, "height": 1080}}, problems)
        await page.goto(hub.url + "county")  # not signed in: the screen's sign-in first, then back here
        await page.locator("#username").fill("zhaomin")
        await page.locator("#password").fill(PASSWORD)
        await page.locator("#login button[type=submit]").click()
        await expect(page).to_have_url(hub.url + "county")
        await expect(page.locator("h1")).to_have_text("清江县 县级平台")
        qingxi = page.locator('tr[data-town="qingxi"]')
        await expect(qingxi.locator("td")).to_have_text(["青溪镇", "在线", _anything(), "0", "1", "橙色"])
        await expect(page.locator('tr[data-town="hekou"] td').nth(1)).to_have_text("未连接")
        await qingxi.locator("a").click()
        await expect(page.locator("h1")).to_have_text("青溪镇 · 清江县")
        await expect(page.locator("#alerts + table tbody tr td").nth(1)).to_have_text("水位超警")
        await expect(page.locator("#cases + table tbody tr td").first).to_have_text("20260701-0001")
        await expect(page.locator("#stations + table tbody tr td")).to_have_text(
            ["清溪河石门水位站", "清溪河", "58.40（58.00）", "0.12", "—", _anything()])
        await expect(page.locator("#directives + table tbody tr td")).to_have_text(
            ["防汛紧急通知", _anything(), "未签收"])
        await page.locator("#lang").click()
        await expect(page.locator("#alerts")).to_have_text("Open alerts")
        await expect(page.locator("#directives + table tbody tr td").nth(2)).to_have_text("not yet")
        await page.locator("#back").click()
        await expect(page.locator("h1")).to_have_text("清江县 County platform")
        await expect(page.locator('tr[data-town="qingxi"] td').nth(5)).to_have_text("orange")
        assert (await page.request.get(hub.url + "county/towns/nowhere")).status == 404
        assert problems == [], problems
    finally:
        await hub.stop()


def _anything() -> re.Pattern[str]:
    return re.compile(r".+")
