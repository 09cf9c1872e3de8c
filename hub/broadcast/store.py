"""The broadcast store interface: jobs and receipts, kept across restarts.

The broadcast service's writer is the only caller of `save`; reads come from
threads. SQL implements it in adapters/ (SQLite by default, PostgreSQL at scale).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from hub.broadcast.model import Job, JobState, Receipt


class BroadcastStore(Protocol):
    def save(self, jobs: Sequence[Job], receipts: Sequence[Receipt]) -> None:
        """Upsert jobs and receipts (a receipt is one run of one job at one speaker), in one transaction;
        StaleWrite if a job changed in the store since this store last read or wrote it."""

    def unfinished(self) -> tuple[list[Job], list[Receipt]]:
        """Jobs not yet done, cancelled or expired, and the receipts of their latest runs."""

    def last_job_id(self) -> int: ...

    def reserve_ids(self, counter: str, count: int) -> list[int]:
        """*count* new numbers of *counter* (broadcast) that no process was or will be handed."""

    def get(self, job_id: int) -> Job | None: ...

    def jobs(self, states: Sequence[JobState], limit: int) -> list[Job]:
        """Newest first."""

    def receipts(self, job_id: int, run: int) -> list[Receipt]: ...

    def close(self) -> None: ...
