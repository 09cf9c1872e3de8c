"""One camera's analysis: a frame in, the motion and tamper changes it brings out."""

from __future__ import annotations

from streams.config import CamerasSection
from streams.findings import Finding
from streams.frames import Image, small_grey
from streams.motion import MotionWatch
from streams.tamper import TamperWatch


class CameraAnalysis:
    """Motion per zone and tamper checks for one camera, on small grey copies of each analysed frame."""

    def __init__(self, section: CamerasSection, camera: str) -> None:
        own = section.camera(camera)
        self.width = section.detect_width
        self.motion_width = section.motion_of(camera).width
        self.motion = MotionWatch(section.motion_of(camera), own.zones, own.masks)
        self.tamper = TamperWatch(section.tamper_of(camera))

    def analyse(self, frame: Image, ts: float) -> list[Finding]:
        grey = small_grey(frame, self.width)
        # Motion on a smaller copy still: blobs are shares of the picture, and a quarter of the pixels costs less.
        return self.tamper.update(grey, ts) + self.motion.update(small_grey(grey, self.motion_width), ts)

    def interrupted(self) -> list[Finding]:
        """The stream broke: motion in progress ends; the tamper reference is kept for when it returns."""
        return self.motion.reset()
