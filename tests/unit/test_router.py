"""MQTT routing: every kind of bad message becomes a dead letter, good neighbours are kept."""

from __future__ import annotations

import json

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.jsonmap import DeviceFrom, Route
from adapters.mqtt.router import BatchBuilder, MqttRouter
from hub.models import RejectReason
from tests.support import sample_town

NOW = 1_763_800_000.0


@pytest.fixture
def router() -> MqttRouter:
    loaded = sample_town()
    return MqttRouter(loaded.town, loaded.sections["json"], max_payload=1024)


def good_a() -> bytes:
    return orjson.dumps({"sn": "x", "ts": int(NOW * 1000) - 1000, "wl": 5400})


def topic_of(router: MqttRouter, device: str) -> str:
    town = sample_town().town
    topic = town.device_map()[device].topic
    assert topic is not None
    return topic


@pytest.mark.parametrize(("topic", "payload", "reason"), [
    ("hy/{RS01}/up", b"{not json", RejectReason.NOT_JSON),
    ("hy/{RS01}/up", b"[1, 2]", RejectReason.NOT_OBJECT),
    ("hy/{RS01}/up", b"{" + b" " * 2000 + b"}", RejectReason.OVERSIZE),
    ("kd/rtu/NOPE123/data", b'{"time": "2025-11-22T08:00:00Z", "data": {}}', RejectReason.UNKNOWN_DEVICE),
    ("somewhere/else", b"{}", RejectReason.NO_ROUTE),
    ("kd/rtu/{RS03}/data", b'{"time": "2025-11-22T08:00:00Z", "data": {"other": 1}}', RejectReason.MISSING_FIELD),
])
def test_bad_message_between_good_ones(router: MqttRouter, topic: str, payload: bytes, reason: RejectReason) -> None:
    town = sample_town().town
    devices = town.device_map()
    topic = topic.replace("{RS01}", devices["RS01"].address or "").replace("{RS03}", devices["RS03"].address or "")
    out = BatchBuilder()
    a_topic = topic_of(router, "RS01")
    router.handle(a_topic, good_a(), NOW, out)
    router.handle(topic, payload, NOW, out)
    router.handle(a_topic, good_a(), NOW, out)
    assert [r.device for r in out.readings] == ["RS01", "RS01"]
    assert [d.reason for d in out.letters] == [reason]
    assert out.messages == 3


def test_route_finds_device_by_address(router: MqttRouter) -> None:
    rs03 = sample_town().town.device_map()["RS03"]
    out = BatchBuilder()
    payload = {"deviceId": rs03.address, "time": "2025-11-22T08:00:00Z",
               "data": {"waterLevel": {"value": 53.1, "unit": "m"}}}
    router.handle(f"kd/rtu/{rs03.address}/data", orjson.dumps(payload), NOW, out)
    assert [(r.device, r.quantity, r.value) for r in out.readings] == [("RS03", "water_level", 53.1)]


def test_numeric_device_id_in_payload_is_matched(router: MqttRouter) -> None:
    loaded = sample_town()
    config = loaded.sections["json"].model_copy(update={"routes": [
        Route(topic="num/+", profile="kd-telemetry", device=DeviceFrom(path="deviceId"))]})
    rs03 = loaded.town.device_map()["RS03"]
    town = loaded.town.model_copy(update={"devices": [rs03.model_copy(update={"address": "2300417"})]})
    numeric = MqttRouter(town, config, max_payload=1024)
    out = BatchBuilder()
    payload = {"deviceId": 2300417, "time": "2025-11-22T08:00:00Z",
               "data": {"waterLevel": {"value": 53.1, "unit": "m"}}}
    numeric.handle("num/x", orjson.dumps(payload), NOW, out)
    assert [r.device for r in out.readings] == ["RS03"]


def test_status_topics_become_reports(router: MqttRouter) -> None:
    rs01 = sample_town().town.device_map()["RS01"]
    assert rs01.availability is not None
    out = BatchBuilder()
    router.handle(rs01.availability.topic, b"offline", NOW, out)
    router.handle(rs01.availability.topic, b"online", NOW, out)
    router.handle(rs01.availability.topic, b"maybe", NOW, out)
    assert [(r.device, r.online) for r in out.reports] == [("RS01", False), ("RS01", True)]
    assert [d.reason for d in out.letters] == [RejectReason.WRONG_TYPE]


def test_subscriptions_cover_devices_routes_and_status(router: MqttRouter) -> None:
    data, status = router.data_subscriptions(), router.status_subscriptions()
    assert "kd/rtu/+/data" in data
    assert topic_of(router, "RS01") in data
    # The sample town's other stations dial in over TCP: WQ01, WQ02 (HJ 212), RS04, RG02 (SL 651).
    assert len(status) == 4 and all(s.endswith(("/lwt", "/status")) for s in status)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=6),
    max_leaves=20)
vendor_keys = st.sampled_from(["ts", "wl", "rain", "volt", "time", "data", "deviceId", "sn"])


@settings(max_examples=300, deadline=None)
@given(payload=st.one_of(st.binary(max_size=300),
                         st.dictionaries(vendor_keys, json_values, max_size=6).map(lambda d: json.dumps(d).encode())),
       topic=st.sampled_from(["hy/{RS01}/up", "kd/rtu/{RS03}/data", "kd/rtu/x/data", "hy/{RS01}/lwt", "a/b"]))
def test_no_payload_raises_and_every_message_is_accounted_for(payload: bytes, topic: str) -> None:
    loaded = sample_town()
    router = MqttRouter(loaded.town, loaded.sections["json"], max_payload=1024)
    devices = loaded.town.device_map()
    topic = topic.replace("{RS01}", devices["RS01"].address or "").replace("{RS03}", devices["RS03"].address or "")
    out = BatchBuilder()
    router.handle(topic, payload, NOW, out)
    assert out.messages == 1
    assert out.readings or out.letters or out.reports
    assert all(d.reason is not RejectReason.DECODE_ERROR for d in out.letters)


def test_a_failing_decoder_costs_one_message(router: MqttRouter, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object) -> None:
        raise ZeroDivisionError("bug")

    monkeypatch.setattr("adapters.jsonmap.CompiledProfile.decode", broken)
    out = BatchBuilder()
    router.handle(topic_of(router, "RS01"), good_a(), NOW, out)
    assert [(d.reason, d.device) for d in out.letters] == [(RejectReason.DECODE_ERROR, "RS01")]
