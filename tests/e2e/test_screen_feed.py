"""The big screen's alert feed in a real headless Chromium, fed by real station reports over MQTT: rain repeats of
many gauges fold into one group so a new level warning shows above the fold; acknowledging does not move a card;
repeats read as a duration; resolving an alert whose condition still holds asks first and says why."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, Locator, Page, expect

from hub.alerts.model import AlertState
from hub.settings import MqttSettings
from hub.town import Device
from hub.townfile import LoadedTown
from tests.e2e.pages import hub_for, officer_screen
from tests.screen_support import open_alert
from tests.support import Mosquitto, Publisher, hub_settings, make_hub, publish_level, sample_town, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.timeout(180)]
EXTRA_GAUGES = 8  # with RG01, nine gauges raining red: more cards than the feed's height holds


def town_with_many_gauges() -> LoadedTown:
    """The sample town with eight more vendor A rain gauges beside RG01 (same grid, their own topics)."""
    loaded = sample_town()
    rg01 = loaded.town.device_map()["RG01"]
    extra = [rg01.model_copy(update={"id": f"RG1{i}", "name": f"云岭{i}号雨量站", "address": f"HY23016{i}",
                                     "topic": f"hy/HY23016{i}/up", "availability": None})
             for i in range(EXTRA_GAUGES)]
    return dataclasses.replace(loaded, town=loaded.town.model_copy(update={"devices": [*loaded.town.devices,
                                                                                        *extra]}))


async def rain_on(gauges: list[Device], port: int, reports: int) -> None:
    """85 mm in the last hour on every gauge (red: 80 mm), then a report of light rain a second: repeats."""
    publisher = await Publisher.open(port, "rain-gauges")
    for n in range(reports):
        for gauge in gauges:
            assert gauge.topic is not None
            rain = 85.0 if n == 0 else 0.5
            publisher.publish(gauge.topic, json.dumps({"ts": int(time.time() * 1000), "rain": rain}))
        await asyncio.sleep(1.0)
    await publisher.aclose()


async def test_a_new_level_warning_shows_above_the_fold_while_rain_repeats_fill_the_feed(
        tmp_path: Path, own_broker: Mosquitto, chromium: Browser, artifacts: Path) -> None:
    async with hub_for(tmp_path, own_broker, town_with_many_gauges()) as hub:
        problems: list[str] = []
        page = await officer_screen(chromium, hub, problems)
        gauges = [d for d in hub.ctx.town.devices if d.id == "RG01" or d.id.startswith("RG1")]
        await rain_on(gauges, own_broker.port, reports=6)
        await wait_for(lambda: sum(a.rule == "rainfall" and a.severity.value == "red" and a.count > 3
                                   for a in hub.ctx.alerts.book.open_alerts()) == len(gauges), what="red rain")
        rain = page.locator('[data-rule="rainfall"]')
        await expect(rain.locator("article.alert")).to_have_count(2)  # the worst few; the rest folded
        await expect(rain.locator(".group-count")).to_have_text(f"{len(gauges)} 处")
        lasting = rain.locator(".alert-lasting").first
        await expect(lasting).to_have_text(re.compile(r"持续 \d+ 秒 · 每 \d+ 秒"))  # not "重复 n 次"
        assert "次" not in await lasting.inner_text()

        await publish_level(own_broker.port, "RS02", hub, 57.6)  # RS02's warning level is 57.3
        level = await open_alert(hub, "river-level", "RS02")
        card = page.locator(f'article.alert[data-alert-id="{level.id}"]')
        await expect(card).to_be_visible()
        await above_the_fold(page, card)
        await page.screenshot(path=str(artifacts / "alert-feed-grouped-1920x1080.png"))

        first = rain.locator("article.alert").first
        acknowledged = await first.get_attribute("data-alert-id")
        top_before = await ordered_ids(page)
        await first.locator("button[data-action=acknowledge]").click()
        await expect(page.locator(f'article.alert[data-alert-id="{acknowledged}"] .alert-state')).to_have_text("已确认")
        assert await ordered_ids(page) == top_before  # acknowledging moved nothing
        await rain.locator(".group-fold").click()
        await expect(rain.locator("article.alert")).to_have_count(len(gauges))
        assert problems == [], problems


async def above_the_fold(page: Page, card: Locator) -> None:
    """The card lies wholly inside the feed's visible box, without scrolling it."""
    assert await page.evaluate("document.getElementById('alert-list').scrollTop") == 0
    box, feed = await card.bounding_box(), await page.locator("#alert-list").bounding_box()
    assert box is not None and feed is not None
    assert box["y"] + box["height"] <= feed["y"] + feed["height"], (box, feed)


async def ordered_ids(page: Page) -> list[str]:
    return await page.eval_on_selector_all("#alert-list article.alert", "cards => cards.map(c => c.dataset.alertId)")


async def test_resolving_an_alert_whose_condition_holds_asks_first(
        tmp_path: Path, own_broker: Mosquitto, chromium: Browser) -> None:
    async with hub_for(tmp_path, own_broker) as hub:
        problems: list[str] = []
        page = await officer_screen(chromium, hub, problems)
        await publish_level(own_broker.port, "RS01", hub, 58.4)  # over 58.0: the condition holds
        alert = await open_alert(hub, "river-level", "RS01")
        card = page.locator(f'article.alert[data-alert-id="{alert.id}"]')
        dialog = page.locator("#note-dialog")

        await card.locator("button[data-action=resolve]").click()
        await expect(dialog.locator("#note-title")).to_have_text("条件仍然成立，确定解除？")
        await expect(dialog.locator("#note-warning")).to_contain_text("会立即重新出现")
        await expect(dialog.locator("#note-warning")).to_contain_text("重新逐级通知")
        await expect(dialog.locator("#note-ok")).to_have_text("仍然解除")
        await dialog.locator("button[value=cancel]").click()
        assert hub.ctx.alerts.book.by_id[alert.id].state is AlertState.RAISED

        await card.locator("button[data-action=resolve]").click()
        await dialog.locator("#note-text").fill("现场已设警戒，水位仍高，先行解除")
        await dialog.locator("#note-ok").click()
        await wait_for(lambda: hub.ctx.alerts.book.by_id[alert.id].state is AlertState.RESOLVED, what="resolved")

        await publish_level(own_broker.port, "RS02", hub, 57.6)  # RS02: warning 57.3
        other = await open_alert(hub, "river-level", "RS02")
        await publish_level(own_broker.port, "RS02", hub, 55.0)  # back under: the condition has cleared
        await wait_for(lambda: not hub.ctx.alerts.book.by_id[other.id].active, what="condition cleared")
        other_card = page.locator(f'article.alert[data-alert-id="{other.id}"]')
        await expect(other_card.locator(".alert-state")).to_have_text("待确认")
        await other_card.locator("button[data-action=resolve]").click()
        await expect(dialog.locator("#note-title")).to_have_text("解除告警")
        await expect(dialog.locator("#note-warning")).to_be_hidden()
        await dialog.locator("button[value=cancel]").click()
        assert problems == [], problems


async def test_an_alert_raised_now_by_a_hub_clock_hours_behind_reads_just_now(
        tmp_path: Path, own_broker: Mosquitto, chromium: Browser) -> None:
    """The demo's clock replays the recent past: an alert it raised a moment ago is not "4 小时前" by the browser's."""
    behind = 4 * 3600.0
    mqtt = MqttSettings(host="127.0.0.1", port=own_broker.port, keepalive_s=5)
    async with make_hub(hub_settings(tmp_path, mqtt), clock=lambda: time.time() - behind) as hub:
        problems: list[str] = []
        page = await officer_screen(chromium, hub, problems)
        await publish_level(own_broker.port, "RS01", hub, 58.4, ts=time.time() - behind)
        alert = await open_alert(hub, "river-level", "RS01")
        card = page.locator(f'article.alert[data-alert-id="{alert.id}"]')
        await expect(card.locator(".alert-time")).to_contain_text("刚刚")
        assert problems == [], problems


async def test_the_header_clock_and_a_devices_health_read_the_hubs_clock(
        tmp_path: Path, own_broker: Mosquitto, chromium: Browser) -> None:
    """With the hub's clock hours behind (the demo's catch-up), the header clock and a station's "last seen" and
    "online" times read the hub's time, as its readings and alerts do, not the browser's."""
    behind = 4 * 3600.0
    mqtt = MqttSettings(host="127.0.0.1", port=own_broker.port, keepalive_s=5)
    async with make_hub(hub_settings(tmp_path, mqtt), clock=lambda: time.time() - behind) as hub:
        zone = ZoneInfo(hub.ctx.town.town.timezone)

        def hub_minutes() -> re.Pattern[str]:
            """The hub's time now, or a minute before, as HH:MM in the town's zone."""
            now = time.time() - behind
            return re.compile("|".join(datetime.fromtimestamp(now - s, zone).strftime("%H:%M") for s in (0, 60)))

        problems: list[str] = []
        page = await officer_screen(chromium, hub, problems)
        await expect(page.locator("#clock")).to_contain_text(hub_minutes())
        await publish_level(own_broker.port, "RS01", hub, 55.0, ts=time.time() - behind)
        await wait_for(lambda: getattr(hub.ctx.health.get("RS01"), "last_seen", None) is not None, what="RS01 seen")
        await page.locator("#map [data-device=RS01]").dispatch_event("click")
        details = page.locator("#details")
        await expect(details.locator("p", has_text="最后上报")).to_contain_text(hub_minutes())
        await expect(details.locator("ul.events li", has_text="上线").first).to_contain_text(hub_minutes())
        assert problems == [], problems
