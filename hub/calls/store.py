"""The call store interface: calls (with their participants) and their logs, kept across restarts.

The call service is the only writer; reads come from threads. SQL implements it in adapters/.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from hub.calls.model import Call, CallEntry, CallState


class CallStore(Protocol):
    def save(self, calls: Sequence[Call], entries: Sequence[CallEntry]) -> None:
        """Upsert *calls* and append *entries*, in one transaction; StaleWrite if a call changed in the store since
        this store last read or wrote it."""

    def open_calls(self) -> list[Call]: ...

    def last_ids(self) -> tuple[int, int]:
        """The highest call id and log seq stored."""

    def reserve_ids(self, counter: str, count: int) -> list[int]:
        """*count* new numbers of *counter* (call, call_seq) that no process was or will be handed."""

    def get(self, call_id: int) -> Call | None: ...

    def find(self, state: CallState | None, village: str | None, limit: int) -> list[Call]:
        """Newest first; *village*: only calls that invited it."""

    def entries(self, call_id: int) -> list[CallEntry]: ...

    def close(self) -> None: ...
