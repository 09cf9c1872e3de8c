"""Tamper checks on synthetic frames: covered, defocused, moved, frozen, and night that is none of these."""

from __future__ import annotations

import numpy as np

from streams.config import TamperConfig
from streams.findings import Finding
from streams.frames import Image, small_grey
from streams.sim import Scene, street_movers
from streams.tamper import TamperWatch

CONFIG = TamperConfig(check_fps=5, for_s=1.0, clear_s=1.0, frozen_s=2.0)
SCENE = Scene(320, 180, seed=7, movers=street_movers(7))


def feed(watch: TamperWatch, frames: list[Image], start: float) -> list[tuple[str, object]]:
    found: list[Finding] = []
    for i, frame in enumerate(frames):
        found += watch.update(small_grey(frame, 160), start + i / 5)
    return [(f.kind.value, f.detail["what"]) for f in found]


def normal(start: float, seconds: float, **render: object) -> list[Image]:
    return [SCENE.render(start + i / 5, **render) for i in range(int(seconds * 5))]  # type: ignore[arg-type]


def watched() -> TamperWatch:
    watch = TamperWatch(CONFIG)
    assert feed(watch, normal(0, 2), 0) == []
    return watch


def test_a_covered_lens_is_covered_and_not_also_defocused_moved_or_frozen() -> None:
    watch = watched()
    black = [np.zeros_like(SCENE.base()) for _ in range(20)]
    assert feed(watch, black, 2) == [("tamper", "covered")]
    assert feed(watch, normal(6, 3), 6) == [("tamper_end", "covered")]


def test_blur_is_defocus() -> None:
    assert feed(watched(), normal(2, 3, blur=4), 2) == [("tamper", "defocus")]


def test_a_turned_camera_is_moved() -> None:
    assert feed(watched(), normal(2, 3, shift=(20, 60)), 2) == [("tamper", "moved")]


def test_frames_that_stop_changing_are_frozen() -> None:
    still = SCENE.render(2.0)
    assert feed(watched(), [still] * 20, 2) == [("tamper", "frozen")]


def test_night_people_and_traffic_are_not_tampering() -> None:
    watch = watched()
    assert feed(watch, normal(2, 4, light=0.4), 2) == []
    assert feed(watch, normal(6, 6), 6) == []
    assert watch.active() == []


def test_a_covered_first_picture_is_not_taken_as_the_reference() -> None:
    watch = TamperWatch(CONFIG)
    feed(watch, [np.zeros_like(SCENE.base())] * 5, 0)
    assert watch.reference is None
    feed(watch, normal(1, 1), 1)
    assert watch.reference is not None
