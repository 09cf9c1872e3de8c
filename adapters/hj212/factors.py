"""HJ 212 factor codes (pollutant codes) → the hub's canonical quantities and the units stations send.

Units are those HJ 212-2017's code table gives for water factors: concentrations
in mg/L, emission amounts (`-Cou`) in kg; sewage flow in L/s and m³.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from hub.quantities import QUANTITIES, Quantity, UnitConversion

RAW_PREFIX = "hj212:"


@dataclass(frozen=True, slots=True)
class Factor:
    """One factor code: the quantity it measures, the unit of its values and of its `-Cou` amounts."""

    code: str
    quantity: Quantity
    conversion: UnitConversion
    cou_unit: str = "kg"


def _factor(code: str, key: str, unit: str, cou_unit: str = "kg") -> Factor:
    q = QUANTITIES[key]
    conversion = q.conversion(unit)
    if conversion is None:
        raise ValueError(f"{code}: {unit!r} is no unit of {key}")
    return Factor(code, q, conversion, cou_unit)


_TABLE = (
    _factor("w00000", "flow", "L/s", "m3"),  # sewage (污水) flow
    _factor("w01001", "ph", "pH"),
    _factor("w01003", "turbidity", "NTU"),
    _factor("w01009", "dissolved_oxygen", "mg/L"),
    _factor("w01010", "water_temperature", "°C"),
    _factor("w01014", "conductivity", "µS/cm"),
    _factor("w01018", "cod", "mg/L"),
    _factor("w01019", "permanganate_index", "mg/L"),
    _factor("w21001", "total_nitrogen", "mg/L"),
    _factor("w21003", "ammonia_nitrogen", "mg/L"),
    _factor("w21011", "total_phosphorus", "mg/L"),
)

FACTORS: Mapping[str, Factor] = MappingProxyType({f.code: f for f in _TABLE})
CODE_OF: Mapping[str, str] = MappingProxyType({f.quantity.key: f.code for f in _TABLE})


def raw_key(code: str) -> str:
    """The quantity key of a value the table does not know: kept as sent."""
    return RAW_PREFIX + code
