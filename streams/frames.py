"""Frames as the analysers see them: small, grey, with polygons drawn to that size."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

Image = NDArray[Any]  # 8-bit pictures; OpenCV's stubs type its results too loosely for a narrower alias


def one_thread_per_camera() -> None:
    """Turn off OpenCV's own thread pool: every camera already has a thread, and splitting small frames
    across the pool costs more in hand-offs than it saves (README, "Camera benchmark")."""
    cv2.setNumThreads(1)


def small_grey(frame: Image, width: int) -> Image:
    """The frame in grey at *width* pixels wide (aspect kept); the analysers' input."""
    return shrink(frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), width)


def shrink(grey: Image, width: int) -> Image:
    """*grey* at most *width* pixels wide (aspect kept), averaging the pixels it merges.

    Halves first while it can: OpenCV averages an exact half in a fast path, but
    takes a general one several times slower for larger factors (320 to 80 pixels:
    30 µs at once, 5 µs in two halves).
    """
    h, w = grey.shape
    while w >= 2 * width and w % 2 == 0 and h % 2 == 0:
        grey, h, w = cv2.resize(grey, (w // 2, h // 2), interpolation=cv2.INTER_AREA), h // 2, w // 2
    if w <= width:
        return grey
    out: Image = cv2.resize(grey, (width, max(1, round(h * width / w))), interpolation=cv2.INTER_AREA)
    return out


def polygon_mask(shape: tuple[int, ...], polygons: Sequence[Sequence[tuple[float, float]]]) -> Image:
    """255 inside any of *polygons* (corners as picture fractions), 0 elsewhere."""
    h, w = shape[:2]
    mask = np.zeros((h, w), np.uint8)
    for polygon in polygons:
        points = np.array([[round(x * (w - 1)), round(y * (h - 1))] for x, y in polygon], np.int32)
        cv2.fillPoly(mask, [points], 255)
    return mask
