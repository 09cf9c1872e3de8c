"""A condition that must hold a while before it is on, and be gone a while before it is off."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Edge(Enum):
    """What a debounced condition did on this frame."""

    NONE = 0
    ROSE = 1
    FELL = 2


@dataclass(slots=True)
class Debounce:
    """On after *on_s* seconds (or *on_frames* frames) of the condition, off after *off_s* without it."""

    on_s: float = 0.0
    off_s: float = 0.0
    on_frames: int = 1
    active: bool = False
    _since: float | None = None  # when the condition (or its absence) began
    _frames: int = 0

    def update(self, condition: bool, ts: float) -> Edge:
        if condition == self.active:
            self._since, self._frames = None, 0
            return Edge.NONE
        if self._since is None:
            self._since = ts
        self._frames += 1
        if self.active and ts - self._since >= self.off_s:
            self.active, self._since, self._frames = False, None, 0
            return Edge.FELL
        if not self.active and ts - self._since >= self.on_s and self._frames >= self.on_frames:
            self.active, self._since, self._frames = True, None, 0
            return Edge.ROSE
        return Edge.NONE

    @property
    def pending(self) -> bool:
        """The condition changed and is waiting out its delay."""
        return self._since is not None

    def reset(self) -> Edge:
        """Forget the condition; FELL if it was on."""
        was = self.active
        self.active, self._since, self._frames = False, None, 0
        return Edge.FELL if was else Edge.NONE
