"""Derived series: rainfall accumulated over 1, 3, 6 and 24 hours, and the river's rate of rise.

They are readings like any other (recorded, charted, read by rules), computed
from what gauges send: amounts per interval (`rainfall`) or a running counter
(`rainfall_total`, which may reset to zero when a logger restarts).
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from hub.models import Quality, Reading
from hub.store import SeriesQuery, Store
from hub.town import Device, DeviceKind

log = logging.getLogger(__name__)
RAIN_WINDOWS: dict[str, float] = {"rainfall_1h": 3600.0, "rainfall_3h": 3 * 3600.0,
                                  "rainfall_6h": 6 * 3600.0, "rainfall_24h": 24 * 3600.0}
RISE = "water_level_rise"
TRUSTED = frozenset({Quality.GOOD, Quality.MANUAL})
MAX_COUNTER_STEP_MM = 300.0  # a bigger jump of a rain counter is a replaced logger, not rain
RAIN_MERGE_S = 1.0  # rain reported more often than this is summed into one amount: memory stays bounded
RISE_BUCKETS = 240  # levels closer than window/240 are averaged into one point, and give no new slope


@dataclass(slots=True)
class RainAccumulator:
    """One gauge's rain amounts of the last 24 hours, sorted by time."""

    times: list[float] = field(default_factory=list)
    amounts: list[float] = field(default_factory=list)
    last_counter: float | None = None
    last_counter_ts: float = float("-inf")

    def add_amount(self, ts: float, mm: float) -> bool:
        """Count *mm* at *ts*; False when it only added to the amount just before it (no new point)."""
        i = bisect.bisect_right(self.times, ts)
        if i and self.times[i - 1] == ts:  # the same report again (a QoS 1 redelivery): it replaces itself
            changed = self.amounts[i - 1] != mm
            self.amounts[i - 1] = mm
            return changed
        if i and ts - self.times[i - 1] < RAIN_MERGE_S:
            self.amounts[i - 1] += mm
            return False
        self.times.insert(i, ts)
        self.amounts.insert(i, mm)
        horizon = self.times[-1] - RAIN_WINDOWS["rainfall_24h"]
        drop = bisect.bisect_right(self.times, horizon)
        if drop:
            del self.times[:drop], self.amounts[:drop]
        return True

    def add_counter(self, ts: float, total: float) -> bool:
        if ts <= self.last_counter_ts:
            return False  # a late report: the step to the newer one already holds its rain
        self.last_counter_ts = ts
        previous, self.last_counter = self.last_counter, total
        if previous is None:
            return False
        step = total - previous
        if step < 0:
            step = total  # the counter restarted from zero since the last report
        if step > MAX_COUNTER_STEP_MM:
            log.warning("rain counter jumped by %.1f mm; taken as a reset, not as rain", step)
            return False
        return self.add_amount(ts, step) or step > 0

    def totals(self) -> dict[str, float]:
        """Rain in each window that ends at the newest report."""
        if not self.times:
            return dict.fromkeys(RAIN_WINDOWS, 0.0)
        end = self.times[-1]
        out: dict[str, float] = {}
        for key, width in RAIN_WINDOWS.items():
            start = bisect.bisect_right(self.times, end - width)
            out[key] = round(max(0.0, sum(self.amounts[start:])), 3)
        return out


@dataclass(slots=True)
class RiseRate:
    """A river station's level over the window; the least-squares slope in metres per hour."""

    window_s: float
    times: list[float] = field(default_factory=list)
    levels: list[float] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)

    def add(self, ts: float, level: float) -> float | None:
        """Take a level; the slope when it made a new point, None when averaged in or too early."""
        i = bisect.bisect_right(self.times, ts)
        if i and ts - self.times[i - 1] < self.window_s / RISE_BUCKETS:
            n = self.counts[i - 1]
            self.levels[i - 1] = (self.levels[i - 1] * n + level) / (n + 1)
            self.counts[i - 1] = n + 1
            return None
        self.times.insert(i, ts)
        self.levels.insert(i, level)
        self.counts.insert(i, 1)
        drop = bisect.bisect_right(self.times, self.times[-1] - self.window_s)
        if drop:
            del self.times[:drop], self.levels[:drop], self.counts[:drop]
        return self.slope_per_hour()

    def slope_per_hour(self) -> float | None:
        """None until the points span half the window: a slope over minutes would be noise."""
        n = len(self.times)
        if n < 3 or self.times[-1] - self.times[0] < self.window_s / 2:
            return None
        t0 = self.times[0]
        mean_t = sum(t - t0 for t in self.times) / n
        mean_v = sum(self.levels) / n
        var = sum((t - t0 - mean_t) ** 2 for t in self.times)
        cov = sum((t - t0 - mean_t) * (v - mean_v) for t, v in zip(self.times, self.levels, strict=True))
        return round(cov / var * 3600.0, 4) if var > 0 else None


class Deriver:
    """Turns readings into derived readings, per device."""

    def __init__(self, rise_window_s: float = 3600.0) -> None:
        self._rise_window_s = rise_window_s
        self._rain: dict[str, RainAccumulator] = {}
        self._rise: dict[str, RiseRate] = {}

    def forget(self, devices: Iterable[str]) -> None:
        """Drop what is known of *devices*: another process may have added to their series since."""
        for device in devices:
            self._rain.pop(device, None)
            self._rise.pop(device, None)

    def feed(self, readings: Iterable[Reading]) -> list[Reading]:
        """Derived readings for *readings* (which are not kept)."""
        out: list[Reading] = []
        for r in readings:
            if r.quality not in TRUSTED:
                continue
            if r.quantity in ("rainfall", "rainfall_total"):
                out += self._rainfall(r)
            elif r.quantity == "water_level":
                rate = self._rise.setdefault(r.device, RiseRate(self._rise_window_s)).add(r.ts, r.value)
                if rate is not None:
                    out.append(Reading(r.device, RISE, rate, "m/h", r.ts))
        return out

    def interleave(self, readings: tuple[Reading, ...]) -> tuple[Reading, ...]:
        """*readings*, each followed by what it derives: the rules then meet them in the same order however the
        messages happened to be batched, so one process and several raise the same alerts in the same order."""
        out: list[Reading] = []
        for r in readings:
            out.append(r)
            out += self.feed((r,))
        return tuple(out) if len(out) != len(readings) else readings

    def _rainfall(self, r: Reading) -> list[Reading]:
        acc = self._rain.setdefault(r.device, RainAccumulator())
        changed = acc.add_amount(r.ts, r.value) if r.quantity == "rainfall" else acc.add_counter(r.ts, r.value)
        if not changed:
            return []  # summed into the point before (or a first counter value): told with the next point
        end = acc.times[-1] if acc.times else r.ts
        return [Reading(r.device, key, mm, "mm", end) for key, mm in acc.totals().items()]


def derived_history(store: Store, devices: Iterable[Device], now: float, rise_window_s: float) -> list[Reading]:
    """What the derived series of *devices* need from the store: 24 h of rain, the rise window of levels."""
    reach = {"rainfall": RAIN_WINDOWS["rainfall_24h"], "rainfall_total": RAIN_WINDOWS["rainfall_24h"],
             "water_level": rise_window_s}
    out: list[Reading] = []
    for device in devices:
        if device.kind not in (DeviceKind.RAIN_GAUGE, DeviceKind.RIVER_STATION):
            continue
        for quantity, back in reach.items():
            points = store.series(SeriesQuery(device.id, quantity, now - back, now + 1))
            out += [Reading(device.id, quantity, p.mean, "", p.ts) for p in points]
    out.sort(key=lambda r: r.ts)
    return out
