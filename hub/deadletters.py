"""Counts of rejected payloads per device and reason since the hub started."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from hub.models import DeadLetter

UNKNOWN_SOURCE = "-"


@dataclass(frozen=True, slots=True)
class DeadLetterCount:
    device: str
    reason: str
    count: int


class DeadLetterLog:
    """Tally of dead letters, updated on the loop from ingested batches."""

    def __init__(self) -> None:
        self._counts: Counter[tuple[str, str]] = Counter()

    def async_add(self, letters: tuple[DeadLetter, ...]) -> None:
        self._counts.update((d.device or UNKNOWN_SOURCE, d.reason.value) for d in letters)

    def counts(self) -> list[DeadLetterCount]:
        return [DeadLetterCount(dev, reason, n) for (dev, reason), n in self._counts.most_common()]

    def total(self) -> int:
        return sum(self._counts.values())
