"""The store interface: where readings, dead letters and device events are kept.

The recorder calls `write` from its own thread only; queries may come from any
thread. SQLite implements it by default; other engines implement the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from hub.models import DeadLetter, DeviceEvent, Reading


@dataclass(frozen=True, slots=True)
class SeriesQuery:
    device: str
    quantity: str
    start: float
    end: float
    every: float | None = None  # bucket width in seconds; None: raw points
    limit: int = 10000
    utc_offset: float = 0.0  # seconds east of UTC: buckets of hours and days start at local midnight


@dataclass(frozen=True, slots=True)
class SeriesPoint:
    """One bucket (or one raw reading, where count is 1)."""

    ts: float
    mean: float
    min: float
    max: float
    count: int
    sum: float  # what rainfall wants: the total of the bucket


@dataclass(frozen=True, slots=True)
class DeadLetterQuery:
    device: str | None = None
    reason: str | None = None
    since: float | None = None
    limit: int = 100


class Store(Protocol):
    """Persistence for what the hub ingests."""

    def write(self, readings: Sequence[Reading], dead_letters: Sequence[DeadLetter],
              events: Sequence[DeviceEvent]) -> None:
        """Commit everything given in one transaction (recorder thread only)."""

    def purge(self, before: float) -> int:
        """Delete what is older than *before*; the number of rows removed."""

    def series(self, query: SeriesQuery) -> list[SeriesPoint]: ...

    def latest(self, device: str) -> list[Reading]:
        """The newest reading of each quantity of *device*."""

    def dead_letters(self, query: DeadLetterQuery) -> list[DeadLetter]: ...

    def device_events(self, device: str | None, limit: int) -> list[DeviceEvent]: ...

    def count_readings(self) -> int: ...

    def close(self) -> None: ...
