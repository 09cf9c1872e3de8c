"""Motion analysis on synthetic frames: zones, masks, light changes, the off delay."""

from __future__ import annotations

import numpy as np

from hub.models import DeviceEventKind
from streams.config import MotionConfig
from streams.findings import Finding
from streams.motion import MotionWatch
from streams.sim import Mover, Scene

LOWER = {"riverbank": [(0.0, 0.55), (1.0, 0.55), (1.0, 1.0), (0.0, 1.0)]}
WALKER = Mover(y=0.8, speed=0.08, size=(0.05, 0.2), colour=(20, 20, 240), phase=0.3)
CONFIG = MotionConfig(off_delay_s=1.0)


def run(watch: MotionWatch, scene: Scene, seconds: float, start: float = 0.0, **render: object) -> list[Finding]:
    found: list[Finding] = []
    for i in range(int(seconds * 5)):
        t = start + i / 5
        found += watch.update(scene.render(t, **render)[..., 1].copy(), t)  # type: ignore[arg-type]
    return found


def kinds(found: list[Finding]) -> list[tuple[str, object]]:
    return [(f.kind.value, f.detail.get("zone")) for f in found]


def test_a_walker_on_the_riverbank_is_motion_there_and_ends_after_the_delay() -> None:
    watch = MotionWatch(CONFIG, LOWER, [])
    assert run(watch, Scene(320, 180, seed=1), 2) == []
    walking = run(watch, Scene(320, 180, seed=1, movers=[WALKER]), 3, start=2)
    assert kinds(walking) == [("motion", "riverbank")]
    assert float(walking[0].detail["area"]) > CONFIG.min_area  # type: ignore[arg-type]
    assert kinds(run(watch, Scene(320, 180, seed=1), 3, start=5)) == [("motion_end", "riverbank")]


def test_motion_outside_every_zone_or_under_a_mask_is_not_reported() -> None:
    high = Mover(y=0.4, speed=0.08, size=(0.05, 0.2), colour=(20, 20, 240))
    assert run(MotionWatch(CONFIG, LOWER, []), Scene(320, 180, seed=2, movers=[high]), 4) == []
    masked = MotionWatch(CONFIG, {}, [[(0.0, 0.5), (1.0, 0.5), (1.0, 1.0), (0.0, 1.0)]])
    assert run(masked, Scene(320, 180, seed=2, movers=[WALKER]), 4) == []
    whole = MotionWatch(CONFIG, {}, [])
    assert kinds(run(whole, Scene(320, 180, seed=2, movers=[WALKER]), 2)) == [("motion", "all")]


def test_lights_switching_or_fading_recalibrate_instead_of_alarming() -> None:
    watch = MotionWatch(CONFIG, {}, [])
    scene = Scene(320, 180, seed=3)
    run(watch, scene, 2)
    assert run(watch, scene, 2, start=2, light=0.45) == []  # street lamps off at once
    fading = []
    for i in range(50):  # dusk over ten seconds, back to full light
        t = 4 + i / 5
        fading += watch.update(scene.render(t, light=0.45 + 0.011 * i)[..., 1].copy(), t)
    assert fading == []


def test_a_blob_below_the_minimum_area_is_noise() -> None:
    speck = Mover(y=0.8, speed=0.1, size=(0.01, 0.02), colour=(255, 255, 255))
    assert run(MotionWatch(CONFIG, {}, []), Scene(320, 180, seed=4, movers=[speck]), 4) == []


def test_reset_ends_motion_in_progress() -> None:
    watch = MotionWatch(CONFIG, {}, [])
    run(watch, Scene(320, 180, seed=5, movers=[WALKER]), 2)
    assert [f.kind for f in watch.reset()] == [DeviceEventKind.MOTION_END]
    assert watch.reset() == []
    assert np.all(watch.update(np.zeros((180, 320), np.uint8), 0.0) == [])
