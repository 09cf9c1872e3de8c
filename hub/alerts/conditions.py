"""Pure condition logic: multi-level thresholds with hysteresis and a minimum duration."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class LevelTracker:
    """Which of several ordered levels a series is at, with hysteresis and a minimum duration.

    Levels are given mildest first. A level is entered when the value reaches it
    and has stayed beyond the active level for *for_s* (by the readings' own
    times); it is left only once the value is *hysteresis* back past it, so a
    value hovering at a line does not raise and clear on every reading.
    """

    thresholds: tuple[float, ...]
    above: bool = True  # False: the condition is the value falling below the levels
    hysteresis: float = 0.0
    for_s: float = 0.0
    current: int = -1  # index of the active level; -1: none
    _pending_since: float | None = None

    def update(self, value: float, ts: float) -> int:
        """Feed one value; the index of the active level afterwards (-1: none)."""
        reached = self._highest(value, 0.0, len(self.thresholds) - 1)
        held = self._highest(value, self.hysteresis, self.current)
        target = max(reached, held)
        if target <= self.current:
            self._pending_since = None
            self.current = target
        elif self._pending_since is None and self.for_s > 0:
            self._pending_since = ts
        elif self._pending_since is None or ts - self._pending_since >= self.for_s:
            self._pending_since = None
            self.current = target
        return self.current

    def _highest(self, value: float, slack: float, top: int) -> int:
        """The highest level ≤ *top* that *value* is beyond, allowing *slack* back from the line."""
        for i in range(top, -1, -1):
            line = self.thresholds[i]
            if (value >= line - slack) if self.above else (value <= line + slack):
                return i
        return -1
