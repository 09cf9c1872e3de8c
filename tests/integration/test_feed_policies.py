"""A browser that falls behind, over a real socket: the live feed drops the oldest and says so; the alert feed
closes it (4008) and it resumes by sequence number."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
import websockets
from websockets.asyncio.client import ClientConnection

from console.alerts.feed import QUEUE_LIMIT as ALERT_LIMIT
from console.screen.feed import QUEUE_LIMIT as LIVE_LIMIT
from console.screen.feed import DeviceEventMessage
from console.service import ConsoleService
from hub.alerts.model import AlertEvent
from hub.app import Hub
from hub.settings import MqttSettings
from tests.integration.test_alert_flow import publish_level
from tests.support import Mosquitto, console_url, hub_settings, make_hub, signed_in

pytestmark = pytest.mark.integration


def app_state(hub: Hub) -> Any:
    return next(s for s in hub.services if isinstance(s, ConsoleService)).app.state


async def receive(ws: ClientConnection) -> dict[str, Any]:
    return dict(json.loads(await asyncio.wait_for(ws.recv(), 15)))


async def test_the_live_feed_drops_the_oldest_and_tells_the_browser(tmp_path: Path) -> None:
    async with make_hub(hub_settings(tmp_path, None)) as hub:
        auth = await signed_in(hub)
        async with websockets.connect(console_url(hub).replace("http", "ws", 1) + "ws/live",
                                      additional_headers=auth) as ws:
            await asyncio.sleep(0.5)  # the feed has subscribed this browser
            extra = 100
            for n in range(LIVE_LIMIT + extra):  # all at once: the browser cannot have read any of them
                app_state(hub).live.fanout.publish(DeviceEventMessage(device="TEST", kind="offline", reason=f"n{n}",
                                                                      time="2026-01-01T00:00:00+00:00"))
            dropped, mine = 0, []
            while not mine or mine[-1] != LIVE_LIMIT + extra - 1:
                message = await receive(ws)
                if message["type"] == "dropped":
                    assert not mine, "told of the drop before what follows it"
                    dropped = message["count"]
                elif message.get("device") == "TEST":
                    mine.append(int(message["reason"][1:]))
    assert mine[0] >= extra, "the oldest were dropped, not the newest"
    assert mine == list(range(mine[0], LIVE_LIMIT + extra))
    assert dropped >= mine[0]


async def test_the_alert_feed_closes_a_console_that_falls_behind_and_it_resumes(
        tmp_path: Path, own_broker: Mosquitto) -> None:
    settings = hub_settings(tmp_path, MqttSettings(host="127.0.0.1", port=own_broker.port, keepalive_s=5))
    async with make_hub(settings) as hub:
        events: list[AlertEvent] = []
        hub.ctx.bus.subscribe(AlertEvent, events.append)
        url, auth = console_url(hub).replace("http", "ws", 1) + "ws/alerts", await signed_in(hub)
        async with websockets.connect(url, additional_headers=auth) as ws:
            snapshot = await receive(ws)
            await publish_level(own_broker.port, "RS01", hub, 58.4)  # warning level 58.0
            raised = await receive(ws)
            assert raised["type"] == "alert" and raised["seq"] == snapshot["seq"] + 1
            for _ in range(ALERT_LIMIT + 1):  # all at once: more than the console's queue holds
                app_state(hub).alert_feed.fanout.publish(events[-1])
            with pytest.raises(websockets.ConnectionClosed) as closed:
                while True:
                    await receive(ws)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 4008
        assert closed.value.rcvd.reason == "too slow: reconnect with ?since=<last seq>"
        async with websockets.connect(url + f"?since={raised['seq']}", additional_headers=auth) as ws:
            assert await receive(ws) == {"type": "resumed", "since": raised["seq"], "count": 0}
