"""The generic JSON adapter: vendor payloads → canonical readings, by configured field paths.

Two vendors that report the same water level in different JSON (centimetres as
an integer at `wl`, metres as `data.waterLevel.value`) are described by two
profiles and come out as identical Readings.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field

from hub.config_base import Strict
from hub.models import DeadLetter, Quality, Reading, RejectReason
from hub.quantities import QUANTITIES, Quantity

_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
PathPart = str | int


def parse_path(path: str) -> tuple[PathPart, ...]:
    """`data.values[0].v` → ("data", "values", 0, "v"); ValueError when malformed."""
    parts: list[PathPart] = []
    position = 0
    for match in _PATH_PART.finditer(path):
        gap = path[position:match.start()]
        if gap not in ("", "."):
            raise ValueError(f"malformed field path {path!r}")
        key, index = match.groups()
        parts.append(int(index) if index is not None else key)
        position = match.end()
    if not parts or position != len(path):
        raise ValueError(f"malformed field path {path!r}")
    return tuple(parts)


def _valid_path(path: str) -> str:
    parse_path(path)
    return path


def _known_quantity(key: str) -> str:
    if key not in QUANTITIES:
        raise ValueError(f"unknown quantity {key!r}; known: {', '.join(sorted(QUANTITIES))}")
    return key


FieldPath = Annotated[str, AfterValidator(_valid_path)]
QuantityKey = Annotated[str, AfterValidator(_known_quantity)]


class TimeField(Strict):
    path: FieldPath
    format: Literal["epoch_s", "epoch_ms", "iso8601"] = "iso8601"


class FieldMap(Strict):
    """Where one quantity is in the payload and how to bring it to canonical units."""

    path: FieldPath
    quantity: QuantityKey
    unit: str | None = Field(default=None, description="unit of the raw value (after scale)")
    unit_path: FieldPath | None = Field(default=None, description="where the payload says its unit")
    scale: float = Field(default=1.0, description="raw × scale + offset, before unit conversion")
    offset: float = 0.0
    optional: bool = Field(default=False, description="absent is normal (e.g. sent hourly only)")


class DeviceFrom(Strict):
    """Where a topic-pattern route finds the device: a topic level or a payload field."""

    topic_level: int | None = Field(default=None, ge=0)
    path: FieldPath | None = None


class Profile(Strict):
    """One vendor's payload shape."""

    time: TimeField | None = Field(default=None, description="absent: time of receipt")
    fields: list[FieldMap] = Field(min_length=1)


class Route(Strict):
    """Messages on a topic pattern decoded with a profile, device found per message."""

    topic: str = Field(min_length=1, description="MQTT topic filter, + and # allowed")
    profile: str
    device: DeviceFrom


class JsonAdapterConfig(Strict):
    """The town file's `adapters.json` section."""

    profiles: dict[str, Profile] = Field(default_factory=dict)
    routes: list[Route] = Field(default_factory=list)
    max_future_s: float = Field(default=300.0, ge=0, description="reject readings further ahead")


_MISSING = object()


def lookup(obj: Any, path: tuple[PathPart, ...]) -> Any:
    """The value at *path* in decoded JSON, or _MISSING."""
    for part in path:
        try:
            obj = obj[part]
        except (KeyError, IndexError, TypeError):
            return _MISSING
    return obj


class Rejected(Exception):
    """A field or payload that cannot become a reading."""

    def __init__(self, reason: RejectReason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def _number(raw: Any, where: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise Rejected(RejectReason.WRONG_TYPE, f"{where}: expected a number, got {type(raw).__name__}")
    try:
        value = float(raw)
    except ValueError:
        raise Rejected(RejectReason.WRONG_TYPE, f"{where}: {raw!r} is not a number") from None
    if not math.isfinite(value):
        raise Rejected(RejectReason.IMPOSSIBLE_VALUE, f"{where}: {raw!r} is not finite")
    return value


class CompiledField:
    """A FieldMap with its paths parsed and unit conversion resolved once."""

    __slots__ = ("fixed", "path", "quantity", "spec", "unit_path")

    def __init__(self, spec: FieldMap) -> None:
        self.spec = spec
        self.path = parse_path(spec.path)
        self.unit_path = parse_path(spec.unit_path) if spec.unit_path else None
        self.quantity: Quantity = QUANTITIES[spec.quantity]
        unit = spec.unit or self.quantity.unit
        self.fixed = None if self.unit_path else self.quantity.conversion(unit)
        if self.fixed is None and not self.unit_path:
            raise ValueError(f"{spec.path}: unit {unit!r} not accepted for {spec.quantity}")

    def convert(self, obj: Any, raw: Any) -> float:
        spec, q = self.spec, self.quantity
        value = _number(raw, spec.path) * spec.scale + spec.offset
        conversion = self.fixed
        if conversion is None:
            unit = lookup(obj, self.unit_path or ())
            conversion = q.conversion(unit) if isinstance(unit, str) else None
            if conversion is None:
                raise Rejected(RejectReason.UNKNOWN_UNIT, f"{spec.unit_path}: {unit!r} is no unit of {q.key}")
        # Rounded so that 5432 cm and 54.32 m give the same float, not neighbours one ulp apart.
        value = round(conversion.apply(value), 9)
        if not q.low <= value <= q.high:
            raise Rejected(RejectReason.IMPOSSIBLE_VALUE,
                           f"{spec.path}: {q.key} {value:g} {q.unit} outside [{q.low:g}, {q.high:g}]")
        return value


def _timestamp(raw: Any, spec: TimeField) -> float:
    if spec.format == "iso8601":
        if not isinstance(raw, str):
            raise Rejected(RejectReason.BAD_TIME, f"{spec.path}: expected ISO-8601 text")
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError:
            raise Rejected(RejectReason.BAD_TIME, f"{spec.path}: {raw!r} is not ISO-8601") from None
        if moment.tzinfo is None:
            raise Rejected(RejectReason.BAD_TIME, f"{spec.path}: {raw!r} has no UTC offset")
        return moment.timestamp()
    try:
        value = _number(raw, spec.path)
    except Rejected as exc:
        raise Rejected(RejectReason.BAD_TIME, exc.detail) from None
    return value / 1000.0 if spec.format == "epoch_ms" else value


class CompiledProfile:
    """Decodes one vendor's payload objects into readings and per-field dead letters."""

    def __init__(self, profile: Profile, max_future_s: float) -> None:
        self.time = profile.time
        self.time_path = parse_path(profile.time.path) if profile.time else None
        self.fields = [CompiledField(f) for f in profile.fields]
        self.max_future_s = max_future_s

    def decode(self, obj: Mapping[str, Any], device: str, received: float,
               source: str, raw: bytes) -> tuple[list[Reading], list[DeadLetter]]:
        """Readings for every good field; a bad field costs only itself."""
        try:
            ts = self._time(obj, received)
        except Rejected as exc:
            return [], [DeadLetter(source, raw, exc.reason, exc.detail, received, device)]
        readings: list[Reading] = []
        letters: list[DeadLetter] = []
        for field in self.fields:
            value = lookup(obj, field.path)
            if value is _MISSING or value is None:
                if not field.spec.optional:
                    letters.append(DeadLetter(source, raw, RejectReason.MISSING_FIELD,
                                              f"{field.spec.path}: missing", received, device))
                continue
            try:
                converted = field.convert(obj, value)
            except Rejected as exc:
                letters.append(DeadLetter(source, raw, exc.reason, exc.detail, received, device))
                continue
            q = field.quantity
            readings.append(Reading(device, q.key, converted, q.unit, ts, Quality.GOOD))
        return readings, letters

    def _time(self, obj: Mapping[str, Any], received: float) -> float:
        if self.time is None or self.time_path is None:
            return received
        raw = lookup(obj, self.time_path)
        if raw is _MISSING:
            raise Rejected(RejectReason.BAD_TIME, f"{self.time.path}: missing")
        ts = _timestamp(raw, self.time)
        if ts > received + self.max_future_s:
            raise Rejected(RejectReason.BAD_TIME, f"{self.time.path}: {raw!r} is in the future")
        if ts < 946684800.0:  # before 2000-01-01: an unset RTU clock
            raise Rejected(RejectReason.BAD_TIME, f"{self.time.path}: {raw!r} is before 2000")
        return ts


def compile_profiles(config: JsonAdapterConfig) -> dict[str, CompiledProfile]:
    """Every profile of *config*, ready to decode."""
    return {name: CompiledProfile(p, config.max_future_s) for name, p in config.profiles.items()}


def check_section(town: Any, config: JsonAdapterConfig) -> list[tuple[tuple[str | int, ...], str]]:
    """Cross-checks of the json section against the town: profiles exist, units fit."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    for name, profile in config.profiles.items():
        for i, spec in enumerate(profile.fields):
            try:
                CompiledField(spec)
            except ValueError as exc:
                problems.append((("adapters", "json", "profiles", name, "fields", i, "unit"), str(exc)))
    for i, route in enumerate(config.routes):
        if route.profile not in config.profiles:
            problems.append((("adapters", "json", "routes", i, "profile"), f"unknown profile {route.profile!r}"))
        if (route.device.topic_level is None) == (route.device.path is None):
            problems.append((("adapters", "json", "routes", i, "device"), "give exactly one of topic_level, path"))
    for i, device in enumerate(town.devices):
        if device.adapter != "json" or device.topic is None:
            continue
        if device.profile not in config.profiles:
            problems.append((("devices", i, "profile"), f"unknown json profile {device.profile!r}"))
    return problems + _ambiguities(town)


def _ambiguities(town: Any) -> list[tuple[tuple[str | int, ...], str]]:
    """Topics and names that would send one device's data to another, silently."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    owners: dict[tuple[str, str], str] = {}  # (namespace, value) → device id

    def claim(namespace: str, value: str | None, device: str, key: tuple[str | int, ...]) -> None:
        if value is None:
            return
        owner = owners.setdefault((namespace, value), device)
        if owner != device:
            problems.append((key, f"{value!r} is already used by device {owner!r}"))

    json_devices = [(i, d) for i, d in enumerate(town.devices) if d.adapter == "json"]
    for i, d in json_devices:
        claim("name", d.id, d.id, ("devices", i, "id"))
    for i, d in json_devices:
        claim("name", d.address, d.id, ("devices", i, "address"))
    for i, d in enumerate(town.devices):
        claim("topic", d.topic if d.adapter == "json" else None, d.id, ("devices", i, "topic"))
        claim("topic", d.availability.topic if d.availability else None, d.id, ("devices", i, "availability", "topic"))
    return problems
