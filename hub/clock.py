"""Clocks: the wall clock, and the demo's, which replays the recent past fast and then keeps time."""

from __future__ import annotations

import time
from collections.abc import Callable

from hub.settings import DemoSettings

Clock = Callable[[], float]


def catch_up_clock(lead_s: float, speed: float, now: Clock = time.time) -> Clock:
    """A clock that starts *lead_s* in the past and runs *speed* times fast until it reaches real time.

    The demo's simulated town lives on it, so a flood that takes hours unfolds
    in minutes while every timestamp stays in the past and rules, windows and
    escalation all see the same consistent time.
    """
    start = now()
    origin = start - lead_s

    def clock() -> float:
        real = now()
        return min(real, origin + (real - start) * speed)

    return clock


def demo_clock(demo: DemoSettings) -> Clock:
    """The demo town's clock: it begins hours back when the demo runs fast, so the story is quick."""
    if demo.speed <= 1:
        return time.time
    return catch_up_clock(demo.lead_h * 3600.0, demo.speed)
