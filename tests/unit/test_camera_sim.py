"""The simulated cameras: a normal camera's sensor noise keeps every analysed frame different from the last."""

from __future__ import annotations

import cv2
import numpy as np

from streams.config import TamperConfig
from streams.frames import small_grey
from streams.sim import Scene, street_movers
from streams.tamper import TamperWatch

DETECT_FPS = 5


def test_a_normal_camera_never_looks_frozen_over_minutes_of_analysed_frames() -> None:
    # Every analysed frame checked, and frozen after two seconds: the strictest the checks can be.
    config = TamperConfig(check_fps=DETECT_FPS, frozen_s=2.0)
    scene = Scene(seed=15, movers=street_movers(15, people=2, vehicles=0))
    watch = TamperWatch(config)
    jitter = np.random.default_rng(0).uniform(-0.02, 0.02, 4 * 60 * DETECT_FPS)  # frames are not on the tick
    previous = None
    for i, dt in enumerate(jitter):
        t = i / DETECT_FPS + dt
        grey = small_grey(scene.render(t), 320)
        assert watch.update(grey, t) == [], t
        if previous is not None:
            changed = cv2.countNonZero(cv2.threshold(cv2.absdiff(grey, previous), config.frozen_level, 255,
                                                     cv2.THRESH_BINARY)[1]) / grey.size
            assert changed > 2 * config.frozen_share, (t, changed)
        previous = grey


def test_the_same_moment_renders_the_same_picture() -> None:
    scene = Scene(320, 180, seed=1)
    assert np.array_equal(scene.render(3.0), scene.render(3.0))  # a frozen clip is one repeated moment
    assert not np.array_equal(scene.render(3.0), scene.render(3.001))
