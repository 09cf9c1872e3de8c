"""Device health: last seen per device, offline after silence, online on the next message."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from hub.models import DeviceEvent, DeviceEventKind, DeviceStatusReport
from hub.town import Town


class DeviceState(StrEnum):
    UNKNOWN = "unknown"  # not heard from since the hub started, and not yet overdue
    ONLINE = "online"
    OFFLINE = "offline"
    UNMONITORED = "unmonitored"  # no installed adapter reads it


@dataclass(slots=True)
class DeviceHealth:
    device: str
    kind: str
    state: DeviceState
    last_seen: float | None
    since: float
    reason: str
    offline_after_s: float


EventSink = Callable[[DeviceEvent], None]


class HealthTracker:
    """Turns traffic and device last wills into online/offline DeviceEvents. Loop only."""

    def __init__(self, town: Town, monitored_adapters: Iterable[str], emit: EventSink,
                 clock: Callable[[], float] = time.time) -> None:
        self._emit = emit
        self._clock = clock
        now = clock()
        monitored = set(monitored_adapters)
        self._devices: dict[str, DeviceHealth] = {
            d.id: DeviceHealth(d.id, d.kind.value,
                               DeviceState.UNKNOWN if d.adapter in monitored else DeviceState.UNMONITORED,
                               None, now, "started", town.offline_after(d))
            for d in town.devices
        }
        self.watching: set[str] = set(self._devices)  # whose silence this process judges: its own devices
        self._watch_listeners: list[Callable[[], None]] = []

    def async_on_watching(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call *listener* whenever `watching` changes (an edge starts or stops its devices' readers); returns
        its remover."""
        self._watch_listeners.append(listener)
        return lambda: self._watch_listeners.remove(listener)

    def async_watch(self, devices: Iterable[str]) -> None:
        """Judge *devices* by their silence from now on (this process has taken them on)."""
        now = self._clock()
        for device in devices:
            health = self._devices.get(device)
            if health is not None and health.state is not DeviceState.UNMONITORED:
                self.watching.add(device)
                if health.state is DeviceState.UNKNOWN:
                    health.since = now
        self._watching_changed()

    def async_unwatch(self, devices: Iterable[str]) -> None:
        """Leave *devices* to the process that takes them over."""
        self.watching.difference_update(devices)
        self._watching_changed()

    def _watching_changed(self) -> None:
        for listener in list(self._watch_listeners):
            listener()

    def async_follow(self, event: DeviceEvent) -> None:
        """Take the state another process decided for a device (its online or offline event)."""
        health = self._devices.get(event.device)
        if health is not None and event.kind in (DeviceEventKind.ONLINE, DeviceEventKind.OFFLINE):
            health.state = DeviceState.ONLINE if event.kind is DeviceEventKind.ONLINE else DeviceState.OFFLINE
            health.since, health.reason = event.ts, event.reason

    def async_seen(self, device: str, ts: float) -> None:
        """*device* sent something at *ts* (receipt time)."""
        health = self._devices.get(device)
        if health is None:
            return
        health.last_seen = max(ts, health.last_seen or 0.0)
        if health.state is not DeviceState.ONLINE:
            self._change(health, DeviceState.ONLINE, "message", ts)

    def async_status(self, report: DeviceStatusReport) -> None:
        """The device's own on/offline statement, e.g. its last will."""
        health = self._devices.get(report.device)
        if health is None:
            return
        if report.online:
            self.async_seen(report.device, report.ts)
        elif health.state is not DeviceState.OFFLINE:
            self._change(health, DeviceState.OFFLINE, report.reason, report.ts)

    def async_check(self) -> None:
        """Mark devices silent for longer than their limit offline."""
        now = self._clock()
        for health in self._devices.values():
            if health.state not in (DeviceState.ONLINE, DeviceState.UNKNOWN) or health.device not in self.watching:
                continue
            reference = health.last_seen if health.last_seen is not None else health.since
            if now - reference > health.offline_after_s:
                reason = "silent" if health.last_seen is not None else "never_seen"
                self._change(health, DeviceState.OFFLINE, reason, now)

    def _change(self, health: DeviceHealth, state: DeviceState, reason: str, ts: float) -> None:
        health.state, health.since, health.reason = state, ts, reason
        kind = DeviceEventKind.ONLINE if state is DeviceState.ONLINE else DeviceEventKind.OFFLINE
        detail: dict[str, object] = {"last_seen": health.last_seen}
        self._emit(DeviceEvent(health.device, kind, ts, reason, detail))

    def get(self, device: str) -> DeviceHealth | None:
        return self._devices.get(device)

    def snapshot(self) -> list[DeviceHealth]:
        return list(self._devices.values())

    def counts(self) -> list[tuple[str, str, int]]:
        tally = Counter((h.kind, h.state.value) for h in self._devices.values())
        return [(kind, state, n) for (kind, state), n in sorted(tally.items())]
