"""The river panel's charts in a real headless Chromium: each range spans what it says (7 days reads as 7 days, not
the hours that hold readings), ending at the hub's clock even while that runs hours behind the browser's, as the
demo's catch-up does."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from hub.settings import MqttSettings
from tests.e2e.pages import officer_screen
from tests.support import Mosquitto, hub_settings, make_hub, publish_level, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.timeout(120)]
BEHIND = 4 * 3600.0  # the hub's clock, behind the browser's
DAY = 86400.0
# What the chart draws: its x axis's extent, in epoch seconds (ECharts is the page's own module, the same instance).
DRAWN_SPAN = """async (id) => {
  const echarts = await import("/vendor/echarts/echarts.esm.min.js");
  const axis = echarts.getInstanceByDom(document.getElementById(id)).getModel().getComponent("xAxis", 0).axis;
  return axis.scale.getExtent().map((ms) => ms / 1000);
}"""


async def redrawn_span(page: Page, chart: str, wanted: float) -> tuple[float, float]:
    """The chart's span once it is redrawn for the range clicked (its read is asynchronous), or the last one seen."""
    for _ in range(50):
        start, end = await page.evaluate(DRAWN_SPAN, chart)
        if abs(end - start - wanted) < 60:
            break
        await page.wait_for_timeout(200)
    return float(start), float(end)


async def test_each_range_spans_what_it_says_and_ends_at_the_hubs_clock(
        tmp_path: Path, own_broker: Mosquitto, chromium: Browser) -> None:
    mqtt = MqttSettings(host="127.0.0.1", port=own_broker.port, keepalive_s=5)
    async with make_hub(hub_settings(tmp_path, mqtt), clock=lambda: time.time() - BEHIND) as hub:
        for minutes_ago, level in ((30, 55.1), (0, 55.3)):  # half an hour of readings, no more
            await publish_level(own_broker.port, "RS01", hub, level, ts=time.time() - BEHIND - minutes_ago * 60)
        await wait_for(lambda: hub.ctx.store.latest("RS01") != [], what="RS01 recorded")
        problems: list[str] = []
        page = await officer_screen(chromium, hub, problems)
        await page.locator('#river-panel [data-station="RS01"]').click()
        for key, days in (("7d", 7), ("30d", 30), ("24h", 1)):
            await page.locator(f'#ranges button[data-range="{key}"]').click()
            await expect(page.locator(f'#ranges button[data-range="{key}"]')).to_have_class("range on")
            hub_now = time.time() - BEHIND
            start, end = await redrawn_span(page, "level-chart", days * DAY)
            assert end - start == pytest.approx(days * DAY, abs=60), (key, start, end)
            assert end == pytest.approx(hub_now, abs=60), (key, end, hub_now)  # the hub's now, not the browser's
        assert problems == [], problems
