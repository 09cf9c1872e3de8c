"""The `adapters.cameras` section of the town file: detection, tamper, snapshots and live view per camera.

Polygons are in fractions of the picture (x right, y down, 0–1) so that a zone
drawn on the main stream also fits the sub-stream the hub decodes.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from hub.config_base import Strict

Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
Polygon = Annotated[list[tuple[Fraction, Fraction]], Field(min_length=3, description="[x, y] corners, 0–1")]
CAMERA_ADAPTERS = frozenset({"rtsp", "mjpeg", "file"})


class MotionConfig(Strict):
    """The background model and when motion counts."""

    width: int = Field(default=160, ge=32, le=1280, description="width of the frame motion is found on (at most "
                       "detect_width); areas are shares of the picture, so it sets the finest detail, not the "
                       "thresholds")
    alpha: float = Field(default=0.02, gt=0, le=0.5, description="background blend per analysed frame")
    threshold: int = Field(default=25, ge=1, le=255, description="grey-level difference that counts as change")
    dilate: int = Field(default=2, ge=0, le=10, description="dilation passes that join a body's pieces")
    min_area: float = Field(default=0.002, gt=0, le=1, description="smallest moving blob, fraction of the picture")
    light_change: float = Field(default=0.35, gt=0, le=1, description="changed fraction of the picture that is "
                                "a light change (lamps, IR switch, clouds): recalibrate, do not alarm")
    on_frames: int = Field(default=2, ge=1, le=50, description="analysed frames with motion before it starts")
    off_delay_s: float = Field(default=5.0, ge=0, le=600, description="stillness before motion ends")


class TamperConfig(Strict):
    """Covered, defocused, moved and frozen pictures, against a reference taken while all was well."""

    enabled: bool = True
    check_fps: float = Field(default=1, gt=0, le=30, description="checks per second; tampering must last "
                             "seconds anyway, so fewer checks than motion analyses save CPU")
    dark_level: float = Field(default=12, ge=0, le=255, description="mean grey below this: covered")
    flat_std: float = Field(default=6, ge=0, le=128, description="grey spread below this: covered")
    defocus_ratio: float = Field(default=0.35, gt=0, lt=1, description="edge energy below this share of the "
                                 "reference: defocused")
    moved_score: float = Field(default=0.6, gt=-1, lt=1, description="scene correlation with the reference "
                               "below this: moved")
    frozen_level: int = Field(default=4, ge=1, le=255, description="grey levels a pixel must change by "
                              "between analysed frames to count as changed")
    frozen_share: float = Field(default=0.02, ge=0, le=1, description="median share of changed pixels below "
                                "which the picture is still (a live camera's noise keeps it far above)")
    frozen_s: float = Field(default=30, gt=0, le=3600, description="no change this long: frozen")
    for_s: float = Field(default=5, ge=0, le=600, description="a condition must last this long to raise")
    clear_s: float = Field(default=5, ge=0, le=600, description="and be gone this long to end")
    reference_s: float = Field(default=300, gt=0, le=86400, description="refresh the reference this often "
                               "while nothing is wrong")


class CameraConfig(Strict):
    """One camera's settings; those not given come from the section's defaults."""

    zones: dict[str, Polygon] = Field(default_factory=dict, description="named zones (riverbank, school_gate); "
                                      "none: the whole picture is zone `all`")
    masks: list[Polygon] = Field(default_factory=list, description="areas never analysed (trees, roads, clocks)")
    detect_fps: float | None = Field(default=None, gt=0, le=30, description="analysed frames per second")
    motion: MotionConfig | None = None
    tamper: TamperConfig | None = None
    transport: str | None = Field(default=None, pattern="^(tcp|udp)$", description="RTSP transport; default tcp")


class SnapshotConfig(Strict):
    retention_days: float = Field(default=30, gt=0, le=3650)
    max_per_camera: int = Field(default=2000, ge=1, le=1_000_000)
    quality: int = Field(default=85, ge=10, le=100, description="JPEG quality")


class LiveConfig(Strict):
    """Live tiles for the console: encoded only while someone watches."""

    width: int = Field(default=480, ge=64, le=1920, description="default tile width in pixels")
    fps: float = Field(default=2, gt=0, le=25, description="default tile rate")
    max_fps: float = Field(default=10, gt=0, le=30)
    quality: int = Field(default=70, ge=10, le=100)


class CamerasSection(Strict):
    """Video analysis of the town's cameras (devices with adapter rtsp, mjpeg or file)."""

    enabled: bool = Field(default=True, description="false: cameras are listed but not read")
    detect_fps: float = Field(default=5, gt=0, le=30, description="analysed frames per second")
    detect_width: int = Field(default=320, ge=64, le=1280, description="width of the grey analysis frame")
    stall_s: float = Field(default=10, gt=0, le=600, description="no frame this long: offline, reconnect")
    backoff_min_s: float = Field(default=1, gt=0, le=60)
    backoff_max_s: float = Field(default=30, gt=0, le=3600)
    open_timeout_s: float = Field(default=10, gt=0, le=120, description="connecting and reading")
    motion: MotionConfig = MotionConfig()
    tamper: TamperConfig = TamperConfig()
    snapshots: SnapshotConfig = SnapshotConfig()
    live: LiveConfig = LiveConfig()
    mqtt: bool = Field(default=True, description="publish events to gridhub/cameras/<id>/…")
    cameras: dict[str, CameraConfig] = Field(default_factory=dict, description="per camera id")

    def camera(self, device_id: str) -> CameraConfig:
        return self.cameras.get(device_id, CameraConfig())

    def motion_of(self, device_id: str) -> MotionConfig:
        return self.camera(device_id).motion or self.motion

    def tamper_of(self, device_id: str) -> TamperConfig:
        return self.camera(device_id).tamper or self.tamper

    def detect_fps_of(self, device_id: str) -> float:
        return self.camera(device_id).detect_fps or self.detect_fps


def check_section(town: Any, config: CamerasSection) -> list[tuple[tuple[str | int, ...], str]]:
    """Every configured camera is a camera device, and every camera device has an address."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    cameras = {d.id for d in town.devices if d.adapter in CAMERA_ADAPTERS}
    problems += [(("adapters", "cameras", "cameras", name), f"no camera device {name!r} (adapter rtsp, mjpeg or file)")
                 for name in config.cameras if name not in cameras]
    problems += [(("devices", i, "address"), f"a {d.adapter} camera needs its address (URL or file)")
                 for i, d in enumerate(town.devices) if d.adapter in CAMERA_ADAPTERS and not d.address]
    if config.backoff_max_s < config.backoff_min_s:
        problems.append((("adapters", "cameras", "backoff_max_s"), "must not be below backoff_min_s"))
    return problems
