"""The quantities gridhub knows: canonical unit, accepted units and physical bounds.

Declared as a table of small frozen descriptions so a new quantity is one line.
Bounds are what is physically possible at a township's stations, not alarm
levels: a value outside them is a broken sensor or a bad mapping.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class UnitConversion:
    """value_in_canonical = value * scale + offset."""

    scale: float = 1.0
    offset: float = 0.0

    def apply(self, value: float) -> float:
        return value * self.scale + self.offset


IDENTITY = UnitConversion()


@dataclass(frozen=True, slots=True)
class Quantity:
    """A kind of measurement with its canonical unit and the units accepted for it."""

    key: str
    unit: str
    label_zh: str
    low: float
    high: float
    units: Mapping[str, UnitConversion] = field(default_factory=dict)

    def conversion(self, unit: str) -> UnitConversion | None:
        if unit == self.unit:
            return IDENTITY
        return self.units.get(unit)


_LENGTH_TO_M = {"cm": UnitConversion(0.01), "mm": UnitConversion(0.001), "dm": UnitConversion(0.1)}
_RAIN_TO_MM = {"cm": UnitConversion(10.0), "0.1mm": UnitConversion(0.1), "m": UnitConversion(1000.0)}
_TEMP_TO_C = {"°F": UnitConversion(5 / 9, -32 * 5 / 9), "K": UnitConversion(1.0, -273.15)}
_MG_L = {"µg/L": UnitConversion(0.001), "ug/L": UnitConversion(0.001), "g/L": UnitConversion(1000.0)}

_TABLE = (
    Quantity("water_level", "m", "水位", -100.0, 6000.0, _LENGTH_TO_M),
    Quantity("rainfall", "mm", "降雨量", 0.0, 500.0, _RAIN_TO_MM),
    Quantity("rainfall_total", "mm", "累计雨量（计数器）", 0.0, 1e7, _RAIN_TO_MM),
    Quantity("rainfall_1h", "mm", "1小时累计雨量", 0.0, 1000.0),
    Quantity("rainfall_3h", "mm", "3小时累计雨量", 0.0, 2000.0),
    Quantity("rainfall_6h", "mm", "6小时累计雨量", 0.0, 3000.0),
    Quantity("rainfall_24h", "mm", "24小时累计雨量", 0.0, 5000.0),
    Quantity("water_level_rise", "m/h", "水位涨率", -100.0, 100.0),
    Quantity("flow", "m3/s", "流量", -100000.0, 100000.0,
             {"L/s": UnitConversion(0.001), "m3/h": UnitConversion(1 / 3600)}),
    Quantity("water_temperature", "°C", "水温", -5.0, 60.0, _TEMP_TO_C),
    Quantity("air_temperature", "°C", "气温", -60.0, 70.0, _TEMP_TO_C),
    Quantity("ph", "pH", "pH", 0.0, 14.0),
    Quantity("cod", "mg/L", "化学需氧量", 0.0, 100000.0, _MG_L),
    Quantity("ammonia_nitrogen", "mg/L", "氨氮", 0.0, 10000.0, _MG_L),
    Quantity("dissolved_oxygen", "mg/L", "溶解氧", 0.0, 50.0, _MG_L),
    Quantity("conductivity", "µS/cm", "电导率", 0.0, 200000.0,
             {"uS/cm": IDENTITY, "mS/cm": UnitConversion(1000.0)}),
    Quantity("total_phosphorus", "mg/L", "总磷", 0.0, 1000.0, _MG_L),
    Quantity("total_nitrogen", "mg/L", "总氮", 0.0, 1000.0, _MG_L),
    Quantity("permanganate_index", "mg/L", "高锰酸盐指数", 0.0, 1000.0, _MG_L),
    Quantity("turbidity", "NTU", "浊度", 0.0, 10000.0),
    Quantity("battery_voltage", "V", "电池电压", 0.0, 60.0, {"mV": UnitConversion(0.001)}),
)

QUANTITIES: Mapping[str, Quantity] = MappingProxyType({q.key: q for q in _TABLE})


def base_quantity(key: str) -> Quantity | None:
    """The table's quantity behind *key*, also for a statistic of it.

    Adapters name statistics `<quantity>.<stat>_<window>` (`cod.avg_1h`: the hourly mean of
    COD, in COD's unit) and values they cannot map `<adapter>:<code>` (`hj212:w99999`, unit
    as sent, no bounds): both are kept, never dropped; only the first maps to a row here.
    """
    return QUANTITIES.get(key.partition(".")[0])


def quantity(key: str) -> Quantity:
    """The quantity called *key*; KeyError names the known ones."""
    try:
        return QUANTITIES[key]
    except KeyError:
        raise KeyError(f"unknown quantity {key!r}; known: {', '.join(sorted(QUANTITIES))}") from None
