"""Device health: silence → offline, message → online, last will → offline."""

from __future__ import annotations

from hub.health import DeviceState, HealthTracker
from hub.models import DeviceEvent, DeviceStatusReport
from tests.support import ManualClock, sample_town


def tracker() -> tuple[HealthTracker, list[DeviceEvent], ManualClock]:
    events: list[DeviceEvent] = []
    clock = ManualClock(1000.0)
    return HealthTracker(sample_town().town, {"json"}, events.append, clock), events, clock


def test_message_then_silence_then_message() -> None:
    health, events, clock = tracker()
    health.async_seen("RS01", clock.now)
    clock.now += 899
    health.async_check()
    clock.now += 2
    health.async_check()
    health.async_seen("RS01", clock.now)
    rs01 = [(e.kind.value, e.reason) for e in events if e.device == "RS01"]
    assert rs01 == [("online", "message"), ("offline", "silent"), ("online", "message")]


def test_never_heard_from_goes_offline_after_its_limit() -> None:
    health, events, clock = tracker()
    clock.now += 901
    health.async_check()
    offline = {e.device for e in events if e.reason == "never_seen"}
    assert {"RS01", "RS03", "RG01"} <= offline
    assert "WQ01" not in offline  # water quality waits 1800 s
    state = health.get("CAM01")
    assert state is not None and state.state is DeviceState.UNMONITORED


def test_last_will_marks_offline_at_once() -> None:
    health, events, clock = tracker()
    health.async_seen("RS01", clock.now)
    health.async_status(DeviceStatusReport("RS01", False, clock.now + 1, "mqtt:lwt"))
    health.async_status(DeviceStatusReport("RS01", False, clock.now + 2, "mqtt:lwt"))
    assert [(e.kind.value, e.reason) for e in events] == [("online", "message"), ("offline", "last_will")]
    counts = dict(((kind, state), n) for kind, state, n in health.counts())
    assert counts[("river_station", "offline")] == 1
