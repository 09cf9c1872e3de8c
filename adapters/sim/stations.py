"""Simulated river, rain and water-quality stations for the sample town (pure logic).

The river follows a linear reservoir: the level rises with rain and relaxes to
its base, so a flood scenario (rain building to ~60 mm/h) takes every river
station past its warning level within a few simulated hours.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import StrEnum

from hub.settings import Scenario
from hub.town import Device, DeviceKind

RISE_M_PER_MM = 0.0225  # level gained per mm of rain (per hour at steady inflow)
RELAX_PER_H = 0.3  # share of the excess over base that drains away per hour
BASE_BELOW_WARNING_M = 3.0
CHINA = timezone(timedelta(hours=8))


class Vendor(StrEnum):
    HY = "hy"  # flat JSON: centimetres, epoch ms, on the device's own topic
    KD = "kd"  # nested JSON with units, ISO-8601, on kd/rtu/<address>/data


def vendor_of(device: Device) -> Vendor | None:
    if device.adapter != "json":
        return None
    if device.topic and (device.profile or "").startswith("hy"):
        return Vendor.HY
    if device.topic is None and device.address:
        return Vendor.KD
    return None


def rain_rate(scenario: Scenario, hours: float, rng: random.Random) -> float:
    """Rain intensity (mm/h) at *hours* into the scenario."""
    if scenario is Scenario.FLOOD:
        return max(0.0, 2.0 + 58.0 * min(1.0, hours / 3.0) + rng.gauss(0, 4))
    return max(0.0, rng.gauss(0.5, 1.5))


@dataclass
class SimStation:
    """One simulated station's state, advanced in simulated hours."""

    device: Device
    vendor: Vendor
    rng: random.Random
    level: float = 0.0
    base: float = 0.0
    rain_since_report: float = 0.0

    @classmethod
    def create(cls, device: Device, vendor: Vendor, seed: int) -> SimStation:
        base = (device.levels.warning_level - BASE_BELOW_WARNING_M) if device.levels else 50.0
        return cls(device, vendor, random.Random(seed), level=base, base=base)

    def advance(self, hours: float, rate: float) -> None:
        """Let *hours* of rain at *rate* mm/h fall on the station."""
        self.rain_since_report += rate * hours
        self.level += (RISE_M_PER_MM * rate - RELAX_PER_H * (self.level - self.base)) * hours

    def payload(self, now: datetime) -> dict[str, object]:
        """The station's report in its vendor's format, and reset the rain counter."""
        rain, self.rain_since_report = self.rain_since_report, 0.0
        level = self.level + self.rng.gauss(0, 0.005)
        if self.vendor is Vendor.HY:
            return self._hy(now, level, rain)
        return self._kd(now, level, rain)

    def _hy(self, now: datetime, level: float, rain: float) -> dict[str, object]:
        body: dict[str, object] = {"sn": self.device.address, "ts": int(now.timestamp() * 1000),
                                   "rain": round(rain, 1), "volt": round(12.4 + self.rng.random() * 0.4, 2)}
        if self.device.kind is DeviceKind.RIVER_STATION:
            body["wl"] = round(level * 100)
        return body

    def _kd(self, now: datetime, level: float, rain: float) -> dict[str, object]:
        data: dict[str, object] = {"battery": {"value": round(12400 + self.rng.random() * 400), "unit": "mV"}}
        if self.device.kind is DeviceKind.RIVER_STATION:
            data["waterLevel"] = {"value": round(level, 3), "unit": "m"}
        if self.device.kind in (DeviceKind.RIVER_STATION, DeviceKind.RAIN_GAUGE):
            data["rainfall"] = {"value": round(rain * 10), "unit": "0.1mm"}
        if self.device.kind is DeviceKind.WATER_QUALITY:
            data |= self._quality()
        return {"deviceId": self.device.address, "time": now.astimezone(CHINA).isoformat(timespec="seconds"),
                "data": data}

    def _quality(self) -> dict[str, object]:
        g = self.rng.gauss
        return {"ph": {"value": round(7.2 + g(0, 0.15), 2)},
                "cod": {"value": round(max(0.0, 16 + g(0, 3)), 1), "unit": "mg/L"},
                "nh3n": {"value": round(max(0.0, 0.45 + g(0, 0.1)), 3), "unit": "mg/L"},
                "do": {"value": round(max(0.0, 7.1 + g(0, 0.4)), 2), "unit": "mg/L"},
                "temp": {"value": round(17.5 + g(0, 0.3), 1), "unit": "°C"}}

    def topic(self) -> str:
        if self.vendor is Vendor.HY and self.device.topic:
            return self.device.topic
        return f"kd/rtu/{self.device.address}/data"
