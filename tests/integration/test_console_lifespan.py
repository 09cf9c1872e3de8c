"""The console's live feeds listen to the hub's bus while it serves, and leave the bus when it stops."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from console.screen.feed import DeviceEventMessage, LiveFeed
from console.service import ConsoleService
from hub.models import DeviceEvent, DeviceEventKind
from tests.support import hub_settings, make_hub

pytestmark = pytest.mark.integration


async def test_the_feeds_leave_the_bus_when_the_console_stops(tmp_path: Path) -> None:
    async with make_hub(hub_settings(tmp_path, None)) as hub:
        console = next(s for s in hub.services if isinstance(s, ConsoleService))
        feed: LiveFeed = console.app.state.live
        listening = feed.fanout.subscribe()
        bus = hub.ctx.bus
        bus.async_publish(DeviceEvent("RS01", DeviceEventKind.OFFLINE, time.time(), "while serving"))
    bus.async_publish(DeviceEvent("RS01", DeviceEventKind.ONLINE, time.time(), "after the stop"))
    got = [listening.queue.get_nowait() for _ in range(listening.queue.qsize())]
    reasons = {m.reason for m in got if isinstance(m, DeviceEventMessage)}  # the hub's own events may be there too
    assert "while serving" in reasons
    assert "after the stop" not in reasons
