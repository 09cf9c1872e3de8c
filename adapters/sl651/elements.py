"""The element table (elements.yaml): SL 651 identifiers → canonical quantities and units, validated on load."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import Field, StringConstraints, model_validator

from hub.config_base import Strict
from hub.quantities import QUANTITIES, Quantity, UnitConversion

TABLE_FILE = Path(__file__).with_name("elements.yaml")
RAW_PREFIX = "sl651:"


class ElementKind(StrEnum):
    VALUE = "value"
    RAIN_5M = "rain_5m"
    STATUS = "status"


class Element(Strict):
    """One identifier: how its data reads and what it measures."""

    code: Annotated[str, StringConstraints(pattern=r"^([0-9A-E][0-9A-F]|F[0-9A-E]|FF[0-9A-F]{2})$")] = Field(
        description="identifier in HEX frames")
    name: Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]{0,7}$")] = Field(
        description="identifier in ASCII frames")
    kind: ElementKind = ElementKind.VALUE
    quantity: str | None = Field(default=None, description="canonical quantity, or `<quantity>.<statistic>`")
    unit: str = Field(default="", description="the unit stations send")
    label: str = Field(default="", description="the standard's name for it")

    @model_validator(mode="after")
    def _maps(self) -> Element:
        if self.kind is ElementKind.STATUS:
            return self
        if self.quantity is None:
            raise ValueError(f"{self.name}: a {self.kind} element needs a quantity")
        if self.base().conversion(self.unit) is None:
            raise ValueError(f"{self.name}: {self.unit!r} is no unit of {self.base().key}")
        return self

    @property
    def code_int(self) -> int:
        return int(self.code, 16)

    def base(self) -> Quantity:
        """The canonical quantity behind `quantity` (also for a statistic of it)."""
        key = (self.quantity or "").partition(".")[0]
        if key not in QUANTITIES:
            raise ValueError(f"{self.name}: unknown quantity {key!r}")
        return QUANTITIES[key]

    def conversion(self) -> UnitConversion:
        conversion = self.base().conversion(self.unit)
        assert conversion is not None  # checked on load
        return conversion


class StatusBit(Strict):
    """A ZT bit that means an alarm when set."""

    bit: int = Field(ge=0, le=31)
    name: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
    label: str = ""


class ElementTable(Strict):
    """The whole table, with lookups by HEX code and by ASCII name."""

    elements: tuple[Element, ...]
    status_bits: tuple[StatusBit, ...] = ()

    @model_validator(mode="after")
    def _unique(self) -> ElementTable:
        for what, keys in (("code", [e.code for e in self.elements]), ("name", [e.name for e in self.elements]),
                           ("bit", [str(b.bit) for b in self.status_bits])):
            doubles = sorted({k for k in keys if keys.count(k) > 1})
            if doubles:
                raise ValueError(f"{what} listed twice: {', '.join(doubles)}")
        return self

    def index(self) -> ElementIndex:
        """Lookups by HEX code and by ASCII name."""
        return ElementIndex(self)


@dataclass(frozen=True, slots=True)
class Target:
    """What an element's values become: the reading's quantity key, its canonical quantity, the conversion.

    The conversion's scale and offset and the quantity's unit and bounds are repeated as fields of their own:
    the decoder reads them for every value."""

    key: str
    quantity: Quantity
    conversion: UnitConversion
    scale: float = field(init=False)
    offset: float = field(init=False)
    unit: str = field(init=False)
    low: float = field(init=False)
    high: float = field(init=False)

    def __post_init__(self) -> None:
        for name, value in (("scale", self.conversion.scale), ("offset", self.conversion.offset),
                            ("unit", self.quantity.unit), ("low", self.quantity.low), ("high", self.quantity.high)):
            object.__setattr__(self, name, value)


class ElementIndex:
    """The table's lookups as plain dictionaries: the decoder's hot path (a model's attributes cost more)."""

    __slots__ = ("_codes", "_names", "status_bits", "targets")

    def __init__(self, table: ElementTable) -> None:
        self._codes = {e.code_int: e for e in table.elements}
        self._names = {e.name: e for e in table.elements}
        self.status_bits = table.status_bits
        self.targets = {e.name: Target(e.quantity, e.base(), e.conversion())
                        for e in table.elements if e.quantity is not None}

    def by_code(self, code: int) -> Element | None:
        return self._codes.get(code)

    def by_name(self, name: str) -> Element | None:
        return self._names.get(name)


def load_table(path: Path = TABLE_FILE) -> ElementTable:
    """The table in *path*; ValueError naming the file when it does not validate."""
    try:
        return ElementTable.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from exc


def raw_key(ident: str) -> str:
    """The quantity key of an element the table does not know: kept as sent."""
    return RAW_PREFIX + ident
