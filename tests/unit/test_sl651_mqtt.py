"""SL 651 frames bridged over MQTT: decoded by the router's SL 651 codec, alarm changes as device events."""

from __future__ import annotations

from adapters.mqtt.router import BatchBuilder, MqttRouter
from adapters.sl651.mqtt import Sl651PayloadDecoder
from hub.models import DeviceEvent
from tests.sl651_support import ascii_body, ascii_frame, hex_body, hex_frame
from tests.support import sample_town

RS04, RG02 = "0043049904", "0043049952"  # the sample town's stations: password 1234, and 5A01
NOW = 1748743800.0  # 2025-06-01 10:10 in the town (UTC+8)
TOPIC = f"sl651/{RS04}/up"


def router() -> tuple[MqttRouter, list[DeviceEvent]]:
    loaded, events = sample_town(), []
    decoder = Sl651PayloadDecoder(loaded.town, loaded.sections["sl651"], events.append)
    return MqttRouter(loaded.town, loaded.sections["json"], 8192, [(t, decoder) for t in decoder.topics]), events


def test_mqtt_topics_are_decoded_by_the_sl651_codec_in_both_encodings() -> None:
    routes, events = router()
    assert "sl651/+/up" in routes.data_subscriptions()
    out = BatchBuilder()
    level = hex_frame(hex_body("39 23 00 05 25 00 45 20 00 00 00 04", station=RS04, category="H"), station=RS04)
    routes.handle(TOPIC, level, NOW, out)
    routes.handle(f"sl651/{RG02}/up", ascii_frame(ascii_body("PT 831.5", station=RG02), station=RG02,
                                                   password="5A01"), NOW, out)
    routes.handle(TOPIC, level[:20], NOW, out)  # half a frame
    assert out.messages == 3
    assert [(r.device, r.quantity, r.value) for r in out.readings] == [
        ("RS04", "water_level", 52.5), ("RS04", "sl651:ZT", 4.0), ("RG02", "rainfall_total", 831.5)]
    assert [(d.reason, d.device, d.source) for d in out.letters] == [("bad_length", "RS04", f"mqtt:{TOPIC}")]
    assert [(e.device, e.kind.value, e.detail["bit"]) for e in events] == [("RS04", "fault", 2)]  # level over limit


def test_a_multi_packet_message_may_span_mqtt_messages() -> None:
    routes, _ = router()
    body = hex_body("39 23 00 05 25 00 26 19 00 12 34", station=RS04, category="H")
    out = BatchBuilder()
    routes.handle(TOPIC, hex_frame(body[:10], packets=(2, 1), end=0x17, station=RS04), NOW, out)
    assert not out.readings and not out.letters
    routes.handle(TOPIC, hex_frame(body[10:], packets=(2, 2), station=RS04), NOW, out)
    assert {(r.quantity, r.value) for r in out.readings} == {("water_level", 52.5), ("rainfall_total", 123.4)}
