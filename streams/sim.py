"""Synthetic camera scenes: a textured village street with people and vehicles, lights, tampering.

Used by the demo (in place of the sample town's fictional cameras), by the
tests (encoded to H.264 and served over RTSP) and by the benchmark.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from enum import StrEnum

import cv2
import numpy as np

from streams.frames import Image
from streams.sources import Pacer, SourceError

NOISE_OFFSETS = 1 << 18  # distinct noise windows: frames up to 262 s apart never share their noise


def background(width: int, height: int, seed: int) -> Image:
    """A street: sky, houses with windows, a road, trees and fine texture at several scales."""
    rng = np.random.default_rng(seed)
    img = np.full((height, width, 3), (150, 160, 120), np.uint8)
    img[: height // 4] = (200, 180, 150)
    for _ in range(8):
        x, w = int(rng.integers(0, width)), int(rng.integers(width // 12, width // 5))
        top = int(rng.integers(height // 8, height // 3))
        colour = tuple(int(c) for c in rng.integers(80, 230, 3))
        cv2.rectangle(img, (x, top), (x + w, height * 3 // 5), colour, cv2.FILLED)
        for wx in range(x + 6, x + w - 10, 18):
            cv2.rectangle(img, (wx, top + 10), (wx + 8, top + 22), (40, 50, 60), cv2.FILLED)
    cv2.rectangle(img, (0, height * 3 // 5), (width, height * 4 // 5), (90, 90, 95), cv2.FILLED)
    for x in range(0, width, 40):
        cv2.line(img, (x, height * 7 // 10), (x + 20, height * 7 // 10), (230, 230, 230), 2)
    for _ in range(6):
        centre = (int(rng.integers(0, width)), int(rng.integers(height // 5, height // 2)))
        cv2.circle(img, centre, int(rng.integers(8, 30)), (40, int(rng.integers(90, 150)), 50), cv2.FILLED)
    grain = cv2.resize(rng.integers(-25, 25, (height // 4, width // 4), dtype=np.int16), (width, height),
                       interpolation=cv2.INTER_NEAREST)
    textured: Image = np.clip(img.astype(np.int16) + grain[..., None], 0, 255).astype(np.uint8)
    return textured


@dataclass(frozen=True, slots=True)
class Mover:
    """A person (small, slow) or a vehicle (large, fast) crossing the picture at a height, from a phase."""

    y: float  # fraction of the height: where its feet are
    speed: float  # picture widths per second (negative: right to left)
    size: tuple[float, float]  # width and height, fractions of the picture
    colour: tuple[int, int, int]
    phase: float = 0.0

    def box(self, t: float, width: int, height: int) -> tuple[int, int, int, int]:
        w, h = int(self.size[0] * width), int(self.size[1] * height)
        x = ((self.phase + self.speed * t) % 1.4 - 0.2) * width
        bottom = int(self.y * height)
        return int(x), bottom - h, int(x) + w, bottom


def street_movers(seed: int, people: int = 2, vehicles: int = 1) -> list[Mover]:
    rng = np.random.default_rng(seed + 1)
    found = [Mover(float(rng.uniform(0.62, 0.8)), float(rng.choice([-1, 1]) * rng.uniform(0.03, 0.06)),
                   (0.03, 0.16), (int(rng.integers(0, 90)), 40, int(rng.integers(120, 220))), float(rng.random()))
             for _ in range(people)]
    found += [Mover(float(rng.uniform(0.72, 0.8)), float(rng.choice([-1, 1]) * rng.uniform(0.1, 0.2)),
                    (0.16, 0.1), (int(rng.integers(30, 220)), int(rng.integers(30, 220)), 200), float(rng.random()))
              for _ in range(vehicles)]
    return found


@dataclass
class Scene:
    """Renders the street at time *t* with lighting, movers and sensor noise."""

    width: int = 640
    height: int = 360
    seed: int = 0
    movers: list[Mover] = field(default_factory=list)
    noise: int = 8  # strong enough to survive H.264 at a sub-stream's bitrate
    _base: Image | None = None
    _noise: Image | None = None  # flat, NOISE_OFFSETS bytes longer than a frame

    def base(self) -> Image:
        if self._base is None:
            self._base = background(self.width, self.height, self.seed)
            rng = np.random.default_rng(self.seed + 2)
            size = self.height * self.width * 3 + NOISE_OFFSETS
            self._noise = rng.integers(0, 2 * self.noise + 1, size, dtype=np.uint8) if self.noise else None
        return self._base

    def noise_at(self, t: float) -> Image | None:
        """The sensor noise of the frame at *t*: a window of the noise buffer, the same for the same t and
        different for any two times (to the millisecond) within NOISE_OFFSETS ms of each other."""
        self.base()
        if self._noise is None:
            return None
        # An odd multiplier permutes the offsets, so neighbouring frames take windows far apart.
        start = round(t * 1000) * 40_503 % NOISE_OFFSETS
        return self._noise[start:start + self.height * self.width * 3].reshape(self.height, self.width, 3)

    def render(self, t: float, light: float = 1.0, shift: tuple[int, int] = (0, 0), blur: int = 0) -> Image:
        img = self.base().copy()
        for mover in self.movers:
            x0, y0, x1, y1 = mover.box(t, self.width, self.height)
            cv2.rectangle(img, (x0, y0), (x1, y1), mover.colour, cv2.FILLED)
        if shift != (0, 0):
            img = np.roll(img, shift, axis=(0, 1))
        if blur:
            img = cv2.GaussianBlur(img, (0, 0), blur)
        if light != 1.0:
            img = cv2.convertScaleAbs(img, alpha=light)
        noise = self.noise_at(t)
        if noise is not None:  # sensor noise, after the light: a live camera never sends two identical frames
            cv2.add(img, noise, img)
        return img


def night_light(t: float, period_s: float = 240.0) -> float:
    """Village lighting over a short demo "night": dusk, street lamps on (a step), dawn."""
    phase = (t % period_s) / period_s
    level = 0.45 + 0.55 * (0.5 + 0.5 * math.cos(2 * math.pi * phase))
    return level + (0.25 if 0.4 < phase < 0.6 else 0.0)


class Behaviour(StrEnum):
    NORMAL = "normal"
    NIGHT = "night"  # lighting follows night_light
    COVERED = "covered"  # black for a minute in every four
    FROZEN = "frozen"  # the same picture for two minutes in every five
    DROPPING = "dropping"  # gone for a minute in every three


class SimSource:
    """A simulated live camera: frames at *fps* in real time, with its behaviour."""

    def __init__(self, scene: Scene, behaviour: Behaviour, fps: float, clock_start: float,
                 stop: threading.Event | None = None) -> None:
        self.scene, self.behaviour = scene, behaviour
        self._pacer = Pacer(fps, stop)
        self._t0 = clock_start  # time.monotonic() when the demo began: a reconnect resumes the same story
        self._held: Image | None = None
        if self._gone():
            raise SourceError("simulated camera is away")

    def _gone(self) -> bool:
        return self.behaviour is Behaviour.DROPPING and (time.monotonic() - self._t0) % 180 > 120

    def read(self) -> Image | None:
        self._pacer.wait()
        if self._gone():
            return None
        b, t = self.behaviour, time.monotonic() - self._t0
        if b is Behaviour.COVERED and t % 240 > 180:
            return np.zeros_like(self.scene.base())
        if b is Behaviour.FROZEN and t % 300 > 180:
            self._held = self._held if self._held is not None else self.scene.render(t)
            return self._held
        self._held = None
        return self.scene.render(t, night_light(t) if b is Behaviour.NIGHT else 1.0)

    def close(self) -> None:
        pass
