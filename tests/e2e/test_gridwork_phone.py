"""A grid worker on a 390×844 phone without a signal: inspects a house with photos and a position, or logs a
visit; back online, each is sent, the major hazard becomes a case and the big screen's progress moves, and the
visit's need becomes a case in one tap."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import Browser, expect

from hub.users.model import Role
from tests.e2e.pages import open_page, sign_in
from tests.e2e.test_gridwork_screen import big_screen, campaign_town, cell
from tests.integration.test_gridwork_api import Town, person, png
from tests.support import PASSWORD, ManualClock, console_url, hub_settings, make_hub, signed_in

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.timeout(240)]
PHONE: dict[str, Any] = {"viewport": {"width": 390, "height": 844}, "locale": "zh-CN", "timezone_id": "Asia/Shanghai",
                         "is_mobile": True, "has_touch": True, "geolocation": {"longitude": 111.25, "latitude": 29.15},
                         "permissions": ["geolocation"]}


async def test_an_inspection_made_offline_is_sent_when_back_online(
        tmp_path: Path, chromium: Browser, artifacts: Path) -> None:
    async with campaign_town(tmp_path) as (town, campaign):
        hub = town.hub
        problems: list[str] = []
        screen = await big_screen(chromium, town, problems)
        await expect(cell(screen, "shimen", "inspected")).to_have_text("0/4")

        phone_context, phone = await open_page(chromium, PHONE, problems)
        await sign_in(phone, hub, "gw.g19", path="gridwork/")
        await expect(phone.locator("#houses button")).to_have_count(3)  # G19's three, not G20's
        await phone_context.set_offline(True)
        await phone.click('#houses button[data-house="G19-A"]')
        await phone.check('input[name="item-cracks"][value="严重"]')
        await phone.check('input[name="item-fire-exits"][value="堵塞"]')
        for item in ("cracks", "added-floors", "fire-exits"):
            await phone.set_input_files(f'input[name="photo-{item}"]',
                                        files=[{"name": f"{item}.png", "mimeType": "image/png", "buffer": png()}])
        await phone.check('input[name="grade"][value="major"]')
        await phone.fill('textarea[name="note"]', "一楼承重墙开裂")
        await phone.click('#inspection button[type="submit"]')
        await expect(phone.locator("#outbox")).to_have_text("待上传 1 条（恢复网络后自动上传）")
        await expect(phone.locator("#houses button")).to_have_count(2)
        await phone.screenshot(path=str(artifacts / "gridwork-phone-offline.png"))
        base = f"/api/gridwork/campaigns/{campaign}/houses/G19-A"
        assert (await town.call("officer", "GET", base)).json()["inspections"] == []

        await phone_context.set_offline(False)
        await expect(phone.locator("#outbox")).to_have_text("已全部上传", timeout=25000)
        record = (await town.call("officer", "GET", base)).json()
        [made] = record["inspections"]
        assert (made["grade"], made["answers"]["cracks"], made["lon"], made["lat"], made["note"]) == \
            ("major", "严重", 111.25, 29.15, "一楼承重墙开裂")
        assert len(made["photos"]) == 3 and made["inspector"] == "网格员 刘洋 (gw.g19)"
        case = (await town.call("officer", "GET", f"/api/cases/{record['target']['case_id']}")).json()
        assert case["urgent"] and len(case["photos"]) == 3
        await expect(cell(screen, "shimen", "inspected")).to_have_text("1/4", timeout=25000)
        await expect(cell(screen, "shimen", "major")).to_have_text("1")

        hazard = phone.locator('#houses button[data-house="G19-A"]')  # back in the list: an order is due
        await expect(hazard).to_contain_text("发现隐患，待下达整改通知")
        await hazard.click()
        await expect(phone.locator('#order input[name="responsible"]')).to_have_value("王建国")
        await phone.fill('#order input[name="deadline"]', "2099-06-30")
        await phone.fill('#order textarea[name="measures"]', "加固承重墙，清理消防通道")
        await phone.click('#order button[type="submit"]')
        await expect(hazard).to_contain_text("整改中，待复查", timeout=10000)
        target = (await town.call("officer", "GET", base)).json()["target"]
        assert (target["state"], target["order"]["deadline"], target["order"]["actor"]) == \
            ("rectifying", "2099-06-30", "网格员 刘洋 (gw.g19)")
        assert problems == []


async def test_a_visit_logged_offline_is_sent_and_its_need_made_a_case_in_one_tap(
        tmp_path: Path, chromium: Browser, artifacts: Path) -> None:
    monday = ManualClock(dt.datetime(2026, 12, 14, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp())
    async with make_hub(hub_settings(tmp_path, None), clock=monday) as hub, \
            httpx.AsyncClient(base_url=console_url(hub)) as http:
        await hub.ctx.users.create("gw.g19", PASSWORD, "刘洋", Role.grid_worker, grids=("G19",))
        town = Town(hub, http, {"officer": await signed_in(hub, Role.officer)}, monday)
        for name, born, seq, household in (("王一", "19700101", 11, "G19-H1"), ("王二", "19710101", 13, "G19-H2")):
            await town.call("officer", "POST", "/api/register/people", json=person(name, born, seq, "G19", household))
        problems: list[str] = []
        phone_context, phone = await open_page(chromium, PHONE, problems)
        await sign_in(phone, hub, "gw.g19", path="gridwork/")
        other = [{"kind": "visit", "key": "gwother00001", "household": "G19-H2",
                  "body": {"household": "G19-H2", "raised": "另一账号的记录", "needs": []}}]
        await phone.evaluate("(o) => localStorage.setItem('gridhub.gridwork.outbox.gw.g20', JSON.stringify(o))", other)
        await expect(phone.locator("#reminder")).to_have_text("今天是走访日（周一直通车）：待走访 2 户")
        await phone.click('.tabs [data-tab="visit"]')
        await expect(phone.locator("#due button")).to_have_count(2)
        await expect(phone.locator("#visit-day")).to_contain_text("待走访 2 户")
        await phone_context.set_offline(True)
        await phone.click('#due button[data-household="G19-H1"]')
        await phone.fill('textarea[name="raised"]', "老人独居，行动不便")
        await phone.fill('input[name="need"]', "门前路灯坏了")
        await phone.click('#visit button[type="submit"]')
        await expect(phone.locator("#outbox")).to_have_text("待上传 1 条（恢复网络后自动上传）")
        await expect(phone.locator("#due button")).to_have_count(1)
        await phone_context.set_offline(False)
        await expect(phone.locator("#outbox")).to_have_text("已全部上传", timeout=25000)
        need = phone.locator("#recent li .need")
        await expect(need).to_contain_text("门前路灯坏了")
        await need.locator("button").click()
        await expect(need).to_contain_text("已转案件")
        [visit] = (await town.call("officer", "GET", "/api/gridwork/visits")).json()  # not another account's
        assert await phone.evaluate("localStorage.getItem('gridhub.gridwork.outbox.gw.g20')") is not None
        assert (visit["visitor"], visit["raised"]) == ("网格员 刘洋 (gw.g19)", "老人独居，行动不便")
        case = (await town.call("officer", "GET", f"/api/cases/{visit['needs'][0]['case_id']}")).json()
        assert (case["source"], case["grid"], case["title"]) == ("visit", "G19", "门前路灯坏了")
        await phone.screenshot(path=str(artifacts / "gridwork-phone-visit.png"))
        assert problems == []
