"""The MQTT channel against a real Mosquitto: topic, payload, PUBACK, broker down and back."""

from __future__ import annotations

import os
import signal
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import orjson
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from adapters.notify.config import MqttNotifierConfig
from adapters.notify.mqtt import MqttNotifier
from hub.alerts.model import Action
from hub.alerts.notify import DeliveryError
from hub.settings import MqttSettings
from tests.notify_support import notification
from tests.support import Mosquitto, free_port, hub_settings, make_hub, wait_for

pytestmark = pytest.mark.integration


class Subscriber:
    """A paho client that records what arrives under *topic*."""

    def __init__(self, port: int, topic: str) -> None:
        self.messages: list[tuple[str, dict[str, object], int, bool]] = []
        self.subscribed = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"sub-{uuid.uuid4().hex[:8]}")
        self.client.on_connect = lambda c, *_: c.subscribe(topic, qos=1)
        self.client.on_subscribe = lambda *_: self.subscribed.set()
        self.client.on_message = lambda _c, _u, m: self.messages.append(
            (m.topic, orjson.loads(m.payload), m.qos, m.retain))
        self.client.connect("127.0.0.1", port, keepalive=5)
        self.client.loop_start()
        if not self.subscribed.wait(10):
            raise RuntimeError("subscriber did not subscribe")

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def subscriber(system_broker_port: int) -> Iterator[Subscriber]:
    sub = Subscriber(system_broker_port, "test-notify/#")
    yield sub
    sub.close()


def config(**extra: object) -> MqttNotifierConfig:
    return MqttNotifierConfig.model_validate({"type": "mqtt", "name": "bus", "ack_timeout_s": 1, **extra})


def notifier_on(port: int, protocol: str = "5", **extra: object) -> MqttNotifier:
    broker = MqttSettings(host="127.0.0.1", port=port, protocol=protocol, keepalive_s=5)  # type: ignore[arg-type]
    return MqttNotifier(config(**extra), broker, f"test-notify-{uuid.uuid4().hex[:8]}")


async def test_hub_notifier_publishes_the_document(tmp_path: Path, system_broker_port: int) -> None:
    sub = Subscriber(system_broker_port, "gridhub/alerts/17/#")
    broker = {"host": "127.0.0.1", "port": system_broker_port, "client_id": f"gridhub-t-{uuid.uuid4().hex[:6]}"}
    try:
        async with make_hub(hub_settings(tmp_path, broker)) as hub:
            kind = hub.registry.notifier_types()["mqtt"]
            notifier = kind.build(kind.config.model_validate({"type": "mqtt", "name": "bus"}), hub.ctx)
            assert notifier.target(notification()) == \
                   f"mqtt://127.0.0.1:{system_broker_port}/gridhub/alerts/17/raise"
            await notifier.send(notification())
            await notifier.send(notification(action=Action.ESCALATE))
            await wait_for(lambda: len(sub.messages) == 2, what="both notifications")
            await notifier.aclose()
    finally:
        sub.close()
    (topic, body, qos, retained), (second_topic, *_) = sub.messages
    assert (topic, second_topic, qos, retained) == ("gridhub/alerts/17/raise", "gridhub/alerts/17/escalate", 1, False)
    assert body["alert_id"] == 17 and body["action"] == "raise" and body["level"] == "grid_worker"
    assert body["title"] == "【橙色预警】清溪河石门水位站 水位超警戒"
    assert body["recipients"] == [{"name": "谭芳", "phone": "18207342575"}, {"name": "张清", "phone": "18207348141"}]


@pytest.mark.parametrize("protocol", ["3.1.1", "5"])
async def test_prefix_is_configurable(subscriber: Subscriber, system_broker_port: int, protocol: str) -> None:
    notifier = notifier_on(system_broker_port, protocol, topic_prefix="test-notify/qingxi")
    for _ in range(3):
        await notifier.send(notification())
    await notifier.aclose()
    await wait_for(lambda: len(subscriber.messages) == 3, what="three notifications")
    assert {m[0] for m in subscriber.messages} == {"test-notify/qingxi/17/raise"}


async def test_unreachable_broker_is_retryable() -> None:
    notifier = notifier_on(free_port())
    with pytest.raises(DeliveryError) as caught:
        await notifier.send(notification())
    await notifier.aclose()
    assert caught.value.retryable and "cannot connect" in caught.value.reason


@pytest.fixture
async def frozen_broker_notifier(own_broker: Mosquitto) -> AsyncIterator[tuple[Mosquitto, MqttNotifier]]:
    notifier = notifier_on(own_broker.port)
    yield own_broker, notifier
    await notifier.aclose()


async def test_publish_without_puback_is_retryable(frozen_broker_notifier: tuple[Mosquitto, MqttNotifier]) -> None:
    broker, notifier = frozen_broker_notifier
    await notifier.send(notification())
    assert broker.process is not None
    os.kill(broker.process.pid, signal.SIGSTOP)  # the socket stays open; nothing is acknowledged
    try:
        with pytest.raises(DeliveryError) as caught:
            await notifier.send(notification())
    finally:
        os.kill(broker.process.pid, signal.SIGCONT)
    assert caught.value.retryable and caught.value.reason == "no PUBACK within 1 s"
    await notifier.send(notification())


async def test_broker_restart(frozen_broker_notifier: tuple[Mosquitto, MqttNotifier]) -> None:
    broker, notifier = frozen_broker_notifier
    await notifier.send(notification())
    broker.stop()
    with pytest.raises(DeliveryError) as caught:
        await notifier.send(notification())
    assert caught.value.retryable
    broker.start()

    async def delivered() -> bool:
        try:
            await notifier.send(notification())
        except DeliveryError:
            return False
        return True

    await wait_for(delivered, timeout=20, what="delivery after the broker came back")
