"""Alerts end to end: MQTT reading → rule → stored alert → WebSocket feed, notifiers, escalation, restart."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import websockets
from websockets.asyncio.client import ClientConnection

from adapters.notify.config import WebhookConfig
from hub.alerts.model import AlertState
from hub.app import Hub
from hub.settings import MqttSettings
from tests.notify_support import HttpReceiver, Reply
from tests.support import ManualClock, Mosquitto, Publisher, hub_settings, make_hub, sample_town, signed_in, wait_for

pytestmark = pytest.mark.integration


def town_with_webhook(receiver: HttpReceiver) -> Any:
    sms = WebhookConfig(type="webhook", name="sms", url=receiver.url("/sms"))  # type: ignore[arg-type]
    return dataclasses.replace(sample_town(), notifiers=[sms])


def console(hub: Hub) -> str:
    return str(next(s.url for s in hub.services if s.name == "console"))  # type: ignore[attr-defined]


async def publish_level(port: int, device: str, hub: Hub, metres: float, ts: float | None = None) -> None:
    """A vendor A station report (level in cm) on the station's own topic."""
    topic = hub.ctx.town.device_map()[device].topic
    assert topic is not None
    publisher = await Publisher.open(port, f"rtu-{uuid.uuid4().hex[:6]}")
    publisher.publish(topic, orjson.dumps({"ts": int((ts or time.time()) * 1000), "wl": round(metres * 100)}))
    await publisher.aclose()


async def next_alert(ws: ClientConnection, timeout: float = 15.0) -> dict[str, Any]:
    """The next numbered alert message, skipping repeat updates."""
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if message["type"] == "alert":
            return dict(message)


def settings(tmp_path: Path, broker: Mosquitto, **extra: object) -> Any:
    return hub_settings(tmp_path, MqttSettings(host="127.0.0.1", port=broker.port, keepalive_s=5), **extra)


async def test_a_reading_over_the_warning_level_reaches_the_console_and_the_sms_gateway(
        tmp_path: Path, own_broker: Mosquitto) -> None:
    async with HttpReceiver() as receiver:
        receiver.fail_next(Reply(status=503), Reply(status=500))  # the gateway is down at first
        async with make_hub(settings(tmp_path, own_broker), town_with_webhook(receiver)) as hub:
            url, auth = console(hub), await signed_in(hub)
            async with websockets.connect(url.replace("http", "ws", 1) + "ws/alerts", additional_headers=auth) as ws:
                snapshot = json.loads(await ws.recv())
                assert snapshot["type"] == "snapshot" and snapshot["alerts"] == []
                await publish_level(own_broker.port, "RS01", hub, 58.4)  # warning level 58.0
                raised = await next_alert(ws)
                assert raised["action"] == "raise" and raised["seq"] == snapshot["seq"] + 1
                alert = raised["alert"]
                assert (alert["rule"], alert["source"], alert["severity"]) == ("river-level", "RS01", "orange")
                assert "超过警戒水位 58 m" in alert["message"]

                async with httpx.AsyncClient(base_url=url, headers=auth) as http:
                    ack = await http.post(f"/api/alerts/{alert['id']}/acknowledge", json={"note": "已电话联系网格员"})
                    assert ack.status_code == 200 and ack.json()["state"] == "acknowledged"
                    acked = await next_alert(ws)
                    assert (acked["action"], acked["actor"], acked["seq"]) == ("acknowledge", "值班员 张伟 (officer)",
                                                                              raised["seq"] + 1)
                    again = await http.post(f"/api/alerts/{alert['id']}/acknowledge", json={})
                    assert again.status_code == 409 and "only a raised alert" in again.json()["detail"]

                    await wait_for(lambda: len(receiver.received) == 3, timeout=20, what="third webhook attempt")
                    detail = (await http.get(f"/api/alerts/{alert['id']}")).json()
                    assert [h["action"] for h in detail["history"]] == ["raise", "acknowledge"]
                    assert detail["history"][1]["note"] == "已电话联系网格员"
                    await wait_for(lambda: hub.ctx.alerts.deliveries.sent == 1, what="delivery logged as sent")
                    detail = (await http.get(f"/api/alerts/{alert['id']}")).json()
                    [delivery] = detail["deliveries"]
                    assert (delivery["status"], delivery["attempts"], delivery["level"]) == ("sent", 3, "grid_worker")
        body = receiver.received[-1].json()
        assert body["recipients"][0]["phone"] == sample_town().town.grids()["G19"].worker.phone


async def test_escalation_goes_on_across_a_restart(tmp_path: Path, own_broker: Mosquitto) -> None:
    clock = ManualClock()
    async with HttpReceiver() as receiver:
        town = town_with_webhook(receiver)
        async with make_hub(settings(tmp_path, own_broker), town, clock) as hub:
            await publish_level(own_broker.port, "RS02", hub, 57.6)  # warning level 57.3: orange, 15 min
            await wait_for(lambda: len(hub.ctx.alerts.book.open_alerts()) == 1, what="alert raised")
            [alert] = hub.ctx.alerts.book.open_alerts()
            clock.now += 14 * 60
            await asyncio.sleep(1.5)
            assert hub.ctx.alerts.book.by_id[alert.id].escalation_level == 0
            clock.now += 2 * 60
            await wait_for(lambda: hub.ctx.alerts.book.by_id[alert.id].escalation_level == 1, what="escalation")
            await wait_for(lambda: len(receiver.received) == 2, what="village cadre told")
        assert receiver.received[1].json()["level"] == "village_cadre"

        async with make_hub(settings(tmp_path, own_broker), town, clock) as hub:
            book = hub.ctx.alerts.book
            [restored] = book.open_alerts()
            assert (restored.id, restored.escalation_level, restored.state) == (alert.id, 1, AlertState.RAISED)
            await publish_level(own_broker.port, "RS02", hub, 57.7)
            await wait_for(lambda: book.by_id[alert.id].count == 2, what="the repeat counted on the same alert")
            assert len(book.open_alerts()) == 1
            clock.now += 16 * 60
            await wait_for(lambda: book.by_id[alert.id].escalation_level == 2, what="escalation after restart")
            await wait_for(lambda: len(receiver.received) == 3, what="duty officer told")
            history = await asyncio.to_thread(hub.ctx.alerts.store.history, alert.id)
        assert [t.action.value for t in history] == ["raise", "escalate", "escalate"]
        assert receiver.received[2].json()["level"] == "duty_officer"


async def test_a_console_that_reconnects_gets_what_it_missed_once(tmp_path: Path, own_broker: Mosquitto) -> None:
    async with make_hub(settings(tmp_path, own_broker)) as hub:
        ws_url, auth = console(hub).replace("http", "ws", 1) + "ws/alerts", await signed_in(hub)
        async with websockets.connect(ws_url, additional_headers=auth) as ws:
            await ws.recv()  # snapshot
            await publish_level(own_broker.port, "RS01", hub, 58.4)
            first = await next_alert(ws)
        # Offline: one alert acknowledged, another raised.
        async with httpx.AsyncClient(base_url=console(hub), headers=auth) as http:
            await http.post(f"/api/alerts/{first['alert']['id']}/acknowledge", json={})
        await publish_level(own_broker.port, "RS02", hub, 57.6)
        await wait_for(lambda: len(hub.ctx.alerts.book.open_alerts()) == 2, what="second alert")
        await wait_for(lambda: hub.ctx.alerts.writer.backlog() == 0, what="stored")

        async with websockets.connect(f"{ws_url}?since={first['seq']}", additional_headers=auth) as ws:
            resumed = json.loads(await ws.recv())
            assert resumed == {"type": "resumed", "since": first["seq"], "count": 2}
            missed = [await next_alert(ws) for _ in range(2)]
            assert [(m["seq"], m["action"]) for m in missed] == [(first["seq"] + 1, "acknowledge"),
                                                                  (first["seq"] + 2, "raise")]
            async with httpx.AsyncClient(base_url=console(hub), headers=auth) as http:
                await http.post(f"/api/alerts/{missed[1]['alert']['id']}/resolve", json={"note": "巡查确认水位回落"})
            live = await next_alert(ws)
            assert (live["seq"], live["action"]) == (first["seq"] + 3, "resolve")
            with pytest.raises(TimeoutError):
                await next_alert(ws, timeout=0.5)  # nothing twice


async def test_flood_demo_raises_rain_alerts_blue_to_red_and_a_level_alert_that_escalates(tmp_path: Path) -> None:
    # 8 h back at ×900: the level alert is raised a few real seconds before the demo clock meets real time
    # and slows to ×1, so its 15-minute escalation still falls in the fast part on a loaded machine.
    demo = {"scenario": "flood", "interval_s": 60, "speed": 900, "lead_h": 8}
    async with make_hub(hub_settings(tmp_path, None, demo=demo)) as hub:
        def transitions() -> list[Any]:
            return hub.ctx.alerts.store.feed(0, 100000)

        def rain_severities() -> list[str]:
            return [e.transition.severity.value for e in transitions()
                    if e.alert.source == "RG01" and e.alert.rule == "rainfall"]

        await wait_for(lambda: "red" in rain_severities(), timeout=60, what="red rain alert at RG01")
        assert list(dict.fromkeys(rain_severities())) == ["blue", "yellow", "orange", "red"]
        await wait_for(lambda: any(e.alert.rule == "river-level" and e.transition.action.value == "escalate"
                                   for e in transitions()), timeout=60, what="warning-level alert escalated")
