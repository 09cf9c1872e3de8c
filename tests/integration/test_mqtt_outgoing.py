"""The hub's outgoing MQTT messages: a burst larger than the broker's in-flight window loses none."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import threading
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from adapters.mqtt.outgoing import Outgoing, OutgoingQueue
from adapters.mqtt.publisher import connect_until_up, publishing_client
from hub.metrics import HubMetrics
from hub.models import DeviceEvent, DeviceEventKind
from hub.townfile import LoadedTown
from streams.config import CamerasSection
from tests.support import Mosquitto, hub_settings, make_hub, sample_town, wait_for

pytestmark = pytest.mark.integration
BURST = 1000
# Mosquitto's default window: at most 20 QoS 1 messages from one client awaiting PUBACK (MQTT 5 Receive Maximum).
DEFAULT_WINDOW = "max_inflight_messages 20\n"


class Subscriber:
    """Counts what arrives under gridhub/cameras/#, by topic and body."""

    def __init__(self, port: int) -> None:
        self.received: list[tuple[str, dict[str, object]]] = []
        self._lock = threading.Lock()
        self.subscribed = threading.Event()
        # A session the broker keeps (with its persistence) across a restart, so nothing published meanwhile is missed.
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="outgoing-test-sub", clean_session=False)
        self.client.reconnect_delay_set(1, 1)
        self.client.on_message = self._on_message
        self.client.on_connect = lambda c, *_: c.subscribe("gridhub/cameras/#", qos=1)
        self.client.on_subscribe = lambda *_: self.subscribed.set()
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def _on_message(self, _client: mqtt.Client, _userdata: object, message: mqtt.MQTTMessage) -> None:
        with self._lock:
            self.received.append((message.topic, json.loads(message.payload)))

    def bodies(self, kind: str) -> list[dict[str, object]]:
        with self._lock:
            return [body for topic, body in self.received if topic.endswith(f"/{kind}")]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def unreachable_cameras(folder: Path) -> LoadedTown:
    """The sample town with every camera reading a file that is not there: all go offline together."""
    loaded = sample_town()
    devices = [d.model_copy(update={"adapter": "file", "address": str(folder / f"{d.id}.avi")})
               if d.kind.value == "camera" else d for d in loaded.town.devices]
    section = CamerasSection.model_validate({"stall_s": 1, "open_timeout_s": 1})
    town = loaded.town.model_copy(update={"devices": devices})
    return dataclasses.replace(loaded, town=town, sections={**loaded.sections, "cameras": section})


async def test_a_burst_of_camera_events_reaches_the_broker_whole(tmp_path: Path) -> None:
    broker = Mosquitto(tmp_path / "mosquitto", extra=DEFAULT_WINDOW)
    broker.start()
    subscriber = await asyncio.to_thread(Subscriber, broker.port)
    try:
        assert await asyncio.to_thread(subscriber.subscribed.wait, 10)
        town = unreachable_cameras(tmp_path / "clips")
        cameras = [d.id for d in town.town.devices if d.kind.value == "camera"]
        async with make_hub(hub_settings(tmp_path, broker.settings()), town) as hub:
            await wait_for(lambda: {b["camera"] for b in subscriber.bodies("offline")} == set(cameras), 20,
                           f"all {len(cameras)} cameras offline on MQTT")
            for n in range(BURST):  # in one turn of the loop: as simultaneous as events get
                hub.ctx.bus.async_publish(DeviceEvent(cameras[n % len(cameras)], DeviceEventKind.MOTION, 0.0,
                                                      detail={"zone": "test", "n": n}))
            await wait_for(lambda: len(subscriber.bodies("motion")) >= BURST, 30, f"{BURST} motion events")
            await asyncio.sleep(0.5)
        numbers = sorted(int(str(b["n"])) for b in subscriber.bodies("motion"))
        assert numbers == list(range(BURST)), f"lost {BURST - len(set(numbers))}"
    finally:
        subscriber.close()
        broker.stop()


async def test_past_its_capacity_the_queue_refuses_and_counts_and_sends_the_rest_when_the_broker_returns(
        own_broker: Mosquitto) -> None:
    subscriber = await asyncio.to_thread(Subscriber, own_broker.port)
    settings = own_broker.settings()
    client, acks = publishing_client(settings, "outgoing-test-pub")
    metrics = HubMetrics()
    queue = OutgoingQueue(client, acks, "test", metrics, capacity=300)
    try:
        assert await asyncio.to_thread(subscriber.subscribed.wait, 10)
        await connect_until_up(client, settings, "test")
        queue.start()
        await asyncio.to_thread(own_broker.stop)
        await wait_for(lambda: not client.is_connected, 10, "the publisher to see the broker gone")
        offered = [queue.offer(Outgoing("gridhub/cameras/T/motion", json.dumps({"n": n}).encode()))
                   for n in range(400)]
        assert [n for n, acked in enumerate(offered) if acked is None] == list(range(300, 400))
        assert queue.refused == 100
        assert metrics.registry.get_sample_value("gridhub_mqtt_out_refused_total", {"client": "test"}) == 100
        await asyncio.to_thread(own_broker.start)
        accepted = [acked for acked in offered if acked is not None]
        await asyncio.wait_for(asyncio.gather(*accepted), 30)
        await wait_for(lambda: len(subscriber.bodies("motion")) >= 300, 15, "300 messages at the subscriber")
        assert sorted(int(str(b["n"])) for b in subscriber.bodies("motion")) == list(range(300))
    finally:
        await queue.stop()
        await client.disconnect()
        subscriber.close()
