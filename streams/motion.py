"""Motion: a slowly blended background, differences above a threshold, blobs above a minimum area, per zone.

Whole-picture light changes (lamps, the IR switch at dusk, a cloud) would look
like motion everywhere at once; the background is first scaled to the frame's
brightness, and when most of the picture still differs the model recalibrates
to the new picture instead of alarming.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from hub.models import DeviceEventKind
from streams.config import MotionConfig
from streams.debounce import Debounce, Edge
from streams.findings import Finding
from streams.frames import Image, polygon_mask

ALL = "all"  # the zone of a camera that has no named zones


@dataclass(frozen=True, slots=True)
class MotionResult:
    """One analysed frame: where things moved (255), and whether the model recalibrated instead."""

    moving: Image  # to read, not to keep or change: it may be shared between frames
    recalibrated: bool = False


class MotionDetector(ABC):
    """A swappable motion algorithm: a grey frame in, moving pixels out."""

    @abstractmethod
    def detect(self, grey: Image) -> MotionResult: ...

    @abstractmethod
    def reset(self) -> None:
        """Forget the background (after a reconnect or a tamper)."""


class BackgroundMotion(MotionDetector):
    """Running-average background with brightness compensation and light-change recalibration.

    Work per frame stays in 8 bits where it can (the blurred frame, the expected
    background, the difference); only the background itself is float, updated in place.
    Scratch pictures are kept from frame to frame: at this size each operation is cheap,
    and a fresh NumPy array for each is a noticeable share of it.
    """

    def __init__(self, config: MotionConfig, mask: Image, quiet_px: float = 0.0) -> None:
        self.config = config
        self._count = max(1, cv2.countNonZero(mask))  # analysed pixels
        self._mask: Image | None = mask if self._count < mask.size else None  # None: the whole picture
        self._min_px = max(1.0, config.min_area * mask.size)
        self._quiet_px = quiet_px  # fewer changed pixels than this cannot be motion in any zone
        self._background: NDArray[np.float32] | None = None
        self._level = 0.0  # the background's mean brightness over the analysed pixels
        self._kernel = np.ones((3, 3), np.uint8)
        self._blurred: Image | None = None  # scratch, reused while the size stays
        self._expected: Image | None = None
        self._grown: Image | None = None
        self._still: Image = np.zeros((0, 0), np.uint8)

    def reset(self) -> None:
        self._background = None

    def detect(self, grey: Image) -> MotionResult:
        frame = self._blurred = cv2.GaussianBlur(grey, (5, 5), 0, dst=self._blurred)
        level = cv2.mean(frame, self._mask)[0]
        if self._background is None or self._background.shape != frame.shape:
            self._background = frame.astype(np.float32)
            return self._recalibrated(level, grey.shape)
        changed = self._changed(frame, self._background, level)
        count = cv2.countNonZero(changed)
        if count > self.config.light_change * self._count:
            np.copyto(self._background, frame)
            return self._recalibrated(level, grey.shape)
        cv2.accumulateWeighted(frame, self._background, self.config.alpha)
        # The mean of a blend is the blend of the means: no need to measure the background again.
        self._level += self.config.alpha * (level - self._level)
        moving = self._blobs(changed) if count and count >= self._quiet_px else None
        return MotionResult(self._nothing(grey.shape) if moving is None else moving)

    def _recalibrated(self, level: float, shape: tuple[int, ...]) -> MotionResult:
        self._level = level
        return MotionResult(self._nothing(shape), recalibrated=True)

    def _nothing(self, shape: tuple[int, ...]) -> Image:
        """No motion: one read-only empty picture, shared, rather than a new one each still frame."""
        if self._still.shape != shape:
            self._still = np.zeros(shape, np.uint8)
            self._still.flags.writeable = False
        return self._still

    def _changed(self, frame: Image, background: NDArray[np.float32], level: float) -> Image:
        gain = level / max(1.0, self._level)
        expected = self._expected = cv2.convertScaleAbs(background, dst=self._expected, alpha=gain)
        diff = cv2.absdiff(frame, expected, dst=expected)
        changed: Image = cv2.threshold(diff, self.config.threshold, 255, cv2.THRESH_BINARY)[1]
        if self._mask is not None:
            cv2.bitwise_and(changed, self._mask, dst=changed)
        return changed

    def _blobs(self, changed: Image) -> Image | None:
        """The changed pixels of blobs at least `min_area` large (in place); None if there are none."""
        grown = changed
        if self.config.dilate:
            grown = self._grown = cv2.dilate(changed, self._kernel, dst=self._grown, iterations=self.config.dilate)
        contours, _ = cv2.findContours(grown, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        small = [c for c in contours if cv2.contourArea(c) < self._min_px]
        if len(small) == len(contours):
            return None
        # Outer contours never overlap and every changed pixel lies inside one, so erasing the small
        # blobs leaves exactly the changed pixels of the big ones.
        if small:
            cv2.drawContours(changed, small, -1, 0, thickness=cv2.FILLED)
        return changed


class MotionWatch:
    """Motion per named zone of one camera, on after `on_frames`, off after `off_delay_s` of stillness."""

    def __init__(self, config: MotionConfig, zones: Mapping[str, Sequence[tuple[float, float]]],
                 masks: Sequence[Sequence[tuple[float, float]]]) -> None:
        self.config = config
        self._zones = dict(zones) or {ALL: [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]}
        self._masks = masks
        self._detector: MotionDetector | None = None
        self._zone_masks: dict[str, tuple[Image | None, int]] = {}  # and its pixel count; None: all analysed
        self._state = {name: Debounce(off_s=config.off_delay_s, on_frames=config.on_frames) for name in self._zones}
        self._shape: tuple[int, ...] = ()

    def _prepare(self, shape: tuple[int, ...]) -> MotionDetector:
        if self._detector is None or shape != self._shape:
            self._shape = shape
            analysed = cv2.bitwise_not(polygon_mask(shape, self._masks))
            zones = {name: cv2.bitwise_and(polygon_mask(shape, [poly]), analysed) for name, poly in self._zones.items()}
            everything = cv2.countNonZero(analysed)
            self._zone_masks = {name: self._zone(zone, everything) for name, zone in zones.items()}
            smallest = min(count for _, count in self._zone_masks.values())
            self._detector = BackgroundMotion(self.config, analysed, quiet_px=self.config.min_area * smallest)
        return self._detector

    @staticmethod
    def _zone(zone: Image, everything: int) -> tuple[Image | None, int]:
        """A zone that covers all analysed pixels needs no mask: the detector already left out the rest."""
        count = cv2.countNonZero(zone)
        return (None if count == everything else zone), max(1, count)

    def update(self, grey: Image, ts: float) -> list[Finding]:
        moving = self._prepare(grey.shape).detect(grey).moving
        count = cv2.countNonZero(moving)
        findings: list[Finding] = []
        for name, (zone, size) in self._zone_masks.items():
            inside = count if zone is None or not count else cv2.countNonZero(cv2.bitwise_and(moving, zone))
            area = inside / size
            edge = self._state[name].update(area >= self.config.min_area, ts)
            if edge is Edge.ROSE:
                findings.append(Finding(DeviceEventKind.MOTION, {"zone": name, "area": round(area, 4)}))
            elif edge is Edge.FELL:
                findings.append(Finding(DeviceEventKind.MOTION_END, {"zone": name}))
        return findings

    def reset(self) -> list[Finding]:
        """Forget the background and end any motion in progress."""
        if self._detector is not None:
            self._detector.reset()
        return [Finding(DeviceEventKind.MOTION_END, {"zone": name})
                for name, state in self._state.items() if state.reset() is Edge.FELL]
