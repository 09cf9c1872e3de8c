"""The cameras plugin (entry point `cameras`): devices with adapter rtsp, mjpeg or file are read and analysed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.registry import Plugin
from streams.config import CAMERA_ADAPTERS, CamerasSection, check_section

if TYPE_CHECKING:
    from hub.context import HubContext
    from hub.registry import Service


def _cameras(ctx: HubContext) -> Service | None:
    from streams.demo import DemoOpener
    from streams.service import CameraService
    from streams.sources import open_capture

    section: CamerasSection = ctx.sections.get("cameras", CamerasSection())
    cameras = [d.id for d in ctx.town.devices if d.adapter in CAMERA_ADAPTERS]
    if not section.enabled or not cameras:
        return None
    # The demo's town has fictional addresses: simulated streets stand in for them.
    opener = DemoOpener(cameras) if ctx.settings.demo is not None else open_capture
    return CameraService(ctx, section, opener)


# Ingest workers read the cameras of the shares they lease; the core leader serves their snapshots and events.
CAMERAS = Plugin("cameras", device_adapters=CAMERA_ADAPTERS, section=CamerasSection, check=check_section,
                 service=_cameras, order=60, roles=frozenset({"all", "core", "ingest"}))
