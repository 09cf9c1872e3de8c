"""The centre's notice page in Chromium: a weather warning filled in, one village's grids chosen, previewed, sent to
their WeChat groups (tests/robot.py over real HTTP), and every delivery followed in the log."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from hub.settings import MqttSettings
from hub.users.model import Role
from tests.e2e.pages import BIG_SCREEN, open_page, sign_in
from tests.integration.test_gridwork_notices import KEYS, WECOM_PACE, town_with
from tests.robot import FakeRobots
from tests.support import Mosquitto, account, hub_settings, make_hub, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.timeout(180)]


async def test_the_centre_previews_and_sends_a_weather_warning_to_a_village(
        tmp_path: Path, own_broker: Mosquitto, chromium: Browser, artifacts: Path) -> None:
    with FakeRobots(set(KEYS.values())) as robots:
        settings = hub_settings(tmp_path, MqttSettings(host="127.0.0.1", port=own_broker.port, keepalive_s=5),
                                robot_keys={g: k for g, k in KEYS.items() if g != "G21"})
        async with make_hub(settings, town_with(robots, WECOM_PACE, 4)) as hub:
            problems: list[str] = []
            _, page = await open_page(chromium, BIG_SCREEN, problems)
            await sign_in(page, hub, await account(hub, Role.officer), path="notices/")
            await page.select_option("#template", "weather")
            for name, value in (("kind", "暴雨"), ("level", "橙色"), ("period", "今晚20时至明早8时"),
                                ("advice", "危险区域人员立即转移")):
                await page.fill(f'#fields textarea[name="{name}"]', value)
            await page.check('input[data-village="石门村"]')
            await expect(page.locator('input[data-grid="G21"]')).to_be_checked()
            await expect(page.locator("#send")).to_be_disabled()  # not before a preview
            await page.click("#preview-button")
            await expect(page.locator("#preview-text")).to_contain_text("## 【橙色预警】暴雨")
            await expect(page.locator("#preview-grids")).to_contain_text("G19、G20、G21")
            assert robots.taken == []
            await page.screenshot(path=artifacts / "notices-preview-1920x1080.png")
            await page.click("#send")
            await page.click("#send")  # a second click: the same key, sent once
            notice = page.locator("#log .notice").first
            await expect(notice.locator("li.sent")).to_have_count(3, timeout=15000)
            await expect(notice).to_contain_text("【橙色预警】暴雨")
            await expect(notice).to_contain_text("?key=key-…")
            await expect(page.locator("#log .notice")).to_have_count(1)
            await wait_for(lambda: len(robots.taken) == 3, what="one message per group")
            assert sorted(t.key for t in robots.taken) == sorted(KEYS.values())
            shown = await page.content()
            assert not any(key in shown for key in KEYS.values())
            await page.screenshot(path=artifacts / "notices-sent-1920x1080.png")
            await page.click("header .lang-toggle")
            await expect(page.locator("header h1")).to_have_text("Grid notices")
            await expect(notice.locator("li.sent").first).to_contain_text("delivered")
            assert problems == []
