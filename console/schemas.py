"""What the REST API returns: public views of the hub's models, times as UTC ISO-8601."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum
from typing import TypeVar

from fastapi import HTTPException
from pydantic import BaseModel

from hub.deadletters import DeadLetterCount
from hub.health import DeviceHealth
from hub.models import DeadLetter, DeviceEvent, Reading
from hub.store import SeriesPoint
from hub.town import Device


def utc(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)

S = TypeVar("S", bound=StrEnum)


def states_of(given: list[str], kind: type[S], open_states: Iterable[S]) -> tuple[S, ...]:
    """The states a list query asked for, by value; "open" stands for *open_states*. 422 on an unknown one."""
    states: list[S] = []
    for text in given:
        if text == "open":
            states += sorted(open_states)
        elif text in kind.__members__.values():
            states.append(kind(text))
        else:
            raise HTTPException(422, f"unknown state {text!r}; known: open, {', '.join(kind)}")
    return tuple(states)


def at(ts: float) -> datetime:
    """A time that is always there, as the wire shows it (UTC)."""
    return datetime.fromtimestamp(ts, UTC)


class ReadingPublic(BaseModel):
    quantity: str
    value: float
    unit: str
    time: datetime
    quality: str

    @classmethod
    def of(cls, r: Reading) -> ReadingPublic:
        return cls(quantity=r.quantity, value=r.value, unit=r.unit, time=datetime.fromtimestamp(r.ts, UTC),
                   quality=r.quality.value)


class DevicePublic(BaseModel):
    id: str
    name: str
    kind: str
    grid: str
    adapter: str
    location: tuple[float, float]
    state: str
    state_since: datetime | None
    state_reason: str
    last_seen: datetime | None
    offline_after_s: float

    @classmethod
    def of(cls, d: Device, h: DeviceHealth | None) -> DevicePublic:
        return cls(id=d.id, name=d.name, kind=d.kind.value, grid=d.grid, adapter=d.adapter, location=d.location,
                   state=h.state.value if h else "unmonitored", state_since=utc(h.since) if h else None,
                   state_reason=h.reason if h else "", last_seen=utc(h.last_seen) if h else None,
                   offline_after_s=h.offline_after_s if h else 0.0)


class DeviceDetail(DevicePublic):
    latest: list[ReadingPublic]
    events: list[DeviceEventPublic]


class SeriesPointPublic(BaseModel):
    time: datetime
    mean: float
    min: float
    max: float
    count: int
    sum: float

    @classmethod
    def of(cls, p: SeriesPoint) -> SeriesPointPublic:
        return cls(time=datetime.fromtimestamp(p.ts, UTC), mean=p.mean, min=p.min, max=p.max, count=p.count,
                   sum=p.sum)


class Series(BaseModel):
    device: str
    quantity: str
    unit: str
    start: datetime
    end: datetime
    every_s: float | None
    points: list[SeriesPointPublic]


class DeadLetterPublic(BaseModel):
    time: datetime
    source: str
    device: str | None
    reason: str
    detail: str
    raw: str  # the payload as text (undecodable bytes replaced), cut at 4 KiB

    @classmethod
    def of(cls, d: DeadLetter) -> DeadLetterPublic:
        return cls(time=datetime.fromtimestamp(d.ts, UTC), source=d.source, device=d.device,
                   reason=d.reason.value, detail=d.detail, raw=d.raw.decode("utf-8", "replace"))


class DeadLetterCountPublic(BaseModel):
    device: str
    reason: str
    count: int

    @classmethod
    def of(cls, c: DeadLetterCount) -> DeadLetterCountPublic:
        return cls(device=c.device, reason=c.reason, count=c.count)


class DeadLetters(BaseModel):
    counts: list[DeadLetterCountPublic]  # since the hub started, per device and reason
    items: list[DeadLetterPublic]  # newest first, from the store


class DeviceEventPublic(BaseModel):
    time: datetime
    device: str
    kind: str
    reason: str

    @classmethod
    def of(cls, e: DeviceEvent) -> DeviceEventPublic:
        return cls(time=datetime.fromtimestamp(e.ts, UTC), device=e.device, kind=e.kind.value, reason=e.reason)


class HubStatus(BaseModel):
    town: str
    started: datetime
    mqtt_connected: bool
    devices: dict[str, int]
    dead_letters: int
    readings_committed: int
DeviceDetail.model_rebuild()
