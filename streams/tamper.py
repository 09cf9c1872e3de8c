"""Tamper: lens covered, defocused, camera moved, picture frozen; each a check against a reference scene.

The reference is taken from the first sound picture and refreshed while nothing
is wrong, so slow changes (seasons, a parked lorry) do not accumulate into a
"moved". Measures are normalised so that night does not look like tampering:
sharpness is edge energy per unit of contrast, and the scene match is a
correlation, blind to brightness and gain.
"""

from __future__ import annotations

import math
import statistics
from abc import ABC, abstractmethod
from collections import deque
from dataclasses import dataclass
from typing import ClassVar

import cv2
import numpy as np
from numpy.typing import NDArray

from hub.models import DeviceEventKind
from streams.config import TamperConfig
from streams.debounce import Debounce, Edge
from streams.findings import Finding
from streams.frames import Image, shrink

THUMB_WIDTH = 80


@dataclass(frozen=True, slots=True)
class Scene:
    """Measures of one analysed frame that the checks compare."""

    grey: Image
    mean: float
    std: float
    sharpness: float  # mean |Laplacian| per unit of contrast
    pattern: NDArray[np.float32] | None  # where the scene's edges are, not its brightness: see edge_pattern

    @classmethod
    def of(cls, grey: Image) -> Scene:
        mean, std = (float(v[0][0]) for v in cv2.meanStdDev(grey))
        thumb = shrink(grey, THUMB_WIDTH).astype(np.float32)
        # Edges measured small: averaging takes out sensor noise, which a defocused camera still has.
        edges = cv2.norm(cv2.Laplacian(thumb, cv2.CV_32F), cv2.NORM_L1) / thumb.size
        contrast = float(cv2.meanStdDev(thumb)[1][0][0])
        return cls(grey, mean, std, edges / (contrast + 1.0), edge_pattern(thumb))

    def likeness(self, reference: Scene) -> float:
        """Correlation of the two edge patterns, −1 to 1, as matchTemplate's TM_CCOEFF_NORMED gives it for two
        thumbnails of one size (a flat reference matches anything, a flat scene nothing).

        The patterns are centred unit vectors, so the correlation is their dot product, 1 − half their
        squared distance: one call of about 2 µs, where matchTemplate on the same thumbnails takes 50–70 µs.
        """
        if reference.pattern is None:
            return 1.0
        if self.pattern is None:
            return 0.0
        return 1.0 - cv2.norm(self.pattern, reference.pattern, cv2.NORM_L2SQR) / 2.0


def edge_pattern(thumb: NDArray[np.float32]) -> NDArray[np.float32] | None:
    """The thumbnail high-passed, less its mean, scaled to length 1; None if it is flat.

    High-pass: broad bands (sky, road) match any horizontal shift; the edges inside them do not.
    """
    high: Image = cv2.subtract(thumb, cv2.GaussianBlur(thumb, (0, 0), 3))
    mean, std = (float(v[0][0]) for v in cv2.meanStdDev(high))
    length = std * math.sqrt(high.size)  # population spread: the length of the centred vector
    if length <= 0:
        return None
    high -= np.float32(mean)
    high *= np.float32(1.0 / length)
    return high


class TamperCheck(ABC):
    """One swappable tamper test: is this scene, against the reference, tampered with?"""

    what: ClassVar[str]

    def __init__(self, config: TamperConfig) -> None:
        self.config = config

    @abstractmethod
    def test(self, scene: Scene, reference: Scene) -> bool: ...

    def hold_s(self) -> float:
        """How long the condition must last before it is raised."""
        return self.config.for_s


class Covered(TamperCheck):
    what = "covered"

    def test(self, scene: Scene, reference: Scene) -> bool:
        return scene.mean < self.config.dark_level or scene.std < self.config.flat_std


class Defocus(TamperCheck):
    what = "defocus"

    def test(self, scene: Scene, reference: Scene) -> bool:
        return scene.sharpness < self.config.defocus_ratio * reference.sharpness


class Moved(TamperCheck):
    what = "moved"

    def test(self, scene: Scene, reference: Scene) -> bool:
        return scene.likeness(reference) < self.config.moved_score


class Frozen(TamperCheck):
    """Frames arrive but do not change: a stuck encoder, or a photo held to the lens.

    A live camera's noise changes a large share of pixels between frames; a
    frozen picture changes almost none, except when the encoder refreshes a
    keyframe, so the median over a short window is compared, not each pair.
    """

    what = "frozen"
    WINDOW = 9

    def __init__(self, config: TamperConfig) -> None:
        super().__init__(config)
        self._previous: Image | None = None
        self._shares: deque[float] = deque(maxlen=self.WINDOW)

    def test(self, scene: Scene, reference: Scene) -> bool:
        previous, self._previous = self._previous, scene.grey
        if previous is None or previous.shape != scene.grey.shape:
            self._shares.clear()
            return False
        diff = cv2.absdiff(scene.grey, previous)
        changed = cv2.threshold(diff, self.config.frozen_level, 255, cv2.THRESH_BINARY)[1]
        self._shares.append(cv2.countNonZero(changed) / changed.size)
        return len(self._shares) == self.WINDOW and statistics.median(self._shares) < self.config.frozen_share

    def hold_s(self) -> float:
        return self.config.frozen_s


class TamperWatch:
    """Runs the checks in order; an earlier one that holds (covered) silences the later ones (defocus, moved)."""

    def __init__(self, config: TamperConfig) -> None:
        self.config = config
        self._ordered: list[TamperCheck] = [Covered(config), Defocus(config), Moved(config)]
        self._frozen = Frozen(config)
        self._state = {c.what: Debounce(on_s=c.hold_s(), off_s=config.clear_s)
                       for c in [*self._ordered, self._frozen]}
        self.reference: Scene | None = None
        self._reference_at = 0.0
        self._next_check = 0.0

    def update(self, grey: Image, ts: float) -> list[Finding]:
        if not self.config.enabled or ts < self._next_check - 0.01 / self.config.check_fps:  # frame-time jitter
            return []
        self._next_check = max(self._next_check + 1 / self.config.check_fps, ts)
        scene = Scene.of(grey)
        if self.reference is None:
            if not self._ordered[0].test(scene, scene):
                self.reference, self._reference_at = scene, ts
            return []
        findings = self._run(scene, self.reference, ts)
        if ts - self._reference_at >= self.config.reference_s and self._all_clear():
            self.reference, self._reference_at = scene, ts
        return findings

    def _run(self, scene: Scene, reference: Scene, ts: float) -> list[Finding]:
        findings: list[Finding] = []
        hits: list[bool] = []
        for check in self._ordered:
            hit = not any(hits) and check.test(scene, reference)
            hits.append(hit)
            findings += self._edge(check.what, hit, ts)
        # A covered lens also sends unchanging frames: it is covered, not frozen.
        frozen = self._frozen.test(scene, reference) and not hits[0]
        return findings + self._edge(self._frozen.what, frozen, ts)

    def _edge(self, what: str, hit: bool, ts: float) -> list[Finding]:
        edge = self._state[what].update(hit, ts)
        if edge is Edge.ROSE:
            return [Finding(DeviceEventKind.TAMPER, {"what": what})]
        if edge is Edge.FELL:
            return [Finding(DeviceEventKind.TAMPER_END, {"what": what})]
        return []

    def _all_clear(self) -> bool:
        return not any(s.active or s.pending for s in self._state.values())

    def active(self) -> list[str]:
        return [what for what, state in self._state.items() if state.active]
