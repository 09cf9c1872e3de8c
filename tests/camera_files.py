"""Cameras that read video files through the hub's own decoder: the sample town with a few of its cameras on
looping clips of a synthetic street, the rest left out."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import cv2

from hub.townfile import LoadedTown
from streams.config import CamerasSection
from streams.sim import Mover, Scene
from tests.support import sample_town

FPS, SECONDS = 10, 8
WALKER = Mover(y=0.9, speed=0.2, size=(0.08, 0.35), colour=(20, 20, 240), phase=0.2)
SECTION = CamerasSection.model_validate({"detect_fps": 5, "stall_s": 5, "open_timeout_s": 5,
                                         "motion": {"off_delay_s": 1}})


def write_clip(path: Path, seed: int) -> None:
    """A street, still for three seconds, a walker for three, still again: one motion event per loop."""
    still, walking = Scene(320, 180, seed=seed), Scene(320, 180, seed=seed, movers=[WALKER])
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), FPS, (320, 180))
    assert writer.isOpened()
    for i in range(FPS * SECONDS):
        t = i / FPS
        writer.write((walking if 3 <= t < 6 else still).render(t))
    writer.release()


def file_camera_town(folder: Path, cameras: tuple[str, ...]) -> LoadedTown:
    """The sample town with *cameras* reading clips written into *folder*, and its other cameras left out."""
    loaded = sample_town()
    folder.mkdir(parents=True, exist_ok=True)
    for i, camera in enumerate(cameras):
        write_clip(folder / f"{camera}.avi", seed=20 + i)
    devices = [d.model_copy(update={"adapter": "file", "address": str(folder / f"{d.id}.avi")})
               if d.id in cameras else d
               for d in loaded.town.devices if d.kind.value != "camera" or d.id in cameras]
    town = loaded.town.model_copy(update={"devices": devices})
    return dataclasses.replace(loaded, town=town, sections={**loaded.sections, "cameras": SECTION})
