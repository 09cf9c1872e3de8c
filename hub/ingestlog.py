"""The ingest log: what ingest workers committed, in commit order, for the core process to follow.

In a multi-process deployment an ingest worker commits each batch of readings
and device events to the shared series store together with one log entry;
the core leader tails the log from its last position. Entries are numbered in
the order their transactions committed, so a reader that has seen entry N has
seen every entry before it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from hub.models import DeviceEvent, Reading


@dataclass(frozen=True, slots=True)
class LoggedBatch:
    """One committed batch: its position in the log and what it held."""

    id: int
    readings: tuple[Reading, ...]
    events: tuple[DeviceEvent, ...]
    committed_at: float  # UTC epoch seconds


@runtime_checkable
class IngestLog(Protocol):
    """Read side of the ingest log (any thread)."""

    def tail(self, after: int, limit: int) -> list[LoggedBatch]:
        """Entries with ids above *after*, oldest first; never skips one that commits later."""

    def last_id(self) -> int:
        """The newest committed entry's id (0 for an empty log)."""
