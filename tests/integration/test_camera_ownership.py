"""A process reads the cameras it owns (the devices its health tracker watches): one given up stops at once,
with no event after; one taken on is read again; one it does not own is opened for live viewers only."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from hub.models import DeviceEvent, DeviceEventKind
from streams.service import CameraService
from tests.camera_files import SECONDS, file_camera_town
from tests.support import hub_settings, make_hub, wait_for

pytestmark = pytest.mark.integration


async def test_a_camera_given_up_stops_at_once_and_one_taken_on_is_read_again(tmp_path: Path) -> None:
    hub = make_hub(hub_settings(tmp_path, None), file_camera_town(tmp_path / "clips", ("CAM01", "CAM02")))
    async with hub:
        service = hub.ctx.cameras
        assert isinstance(service, CameraService)
        events: list[DeviceEvent] = []
        hub.ctx.bus.subscribe(DeviceEvent, events.append)
        await wait_for(lambda: {"CAM01", "CAM02"} <= set(service.workers), what="both cameras read")
        reader = service.workers["CAM01"]

        hub.ctx.health.async_unwatch(["CAM01"])  # another process takes it on
        assert "CAM01" not in service.workers and reader.stopping.is_set()
        given_up = len(events)
        await asyncio.sleep(SECONDS + 2)  # a whole loop of the clip: a walker crosses both pictures
        assert [e.device for e in events[given_up:] if e.device == "CAM01"] == []
        assert any(e.device == "CAM02" and e.kind is DeviceEventKind.MOTION for e in events[given_up:])

        # Not owned, a camera still gives a live picture: from a reader of its own, without analysis.
        jpeg = None
        for _ in range(100):
            jpeg = await service.async_jpeg("CAM01", 160)
            if jpeg is not None:
                break
            await asyncio.sleep(0.1)
        assert jpeg is not None and jpeg.data[:2] == b"\xff\xd8"
        assert "CAM01" in service.viewers.readers and "CAM01" not in service.workers

        taken_on = len(events)
        hub.ctx.health.async_watch(["CAM01"])
        assert "CAM01" in service.workers and "CAM01" not in service.viewers.readers
        await wait_for(lambda: any(e.device == "CAM01" and e.kind is DeviceEventKind.MOTION
                                   for e in events[taken_on:]), timeout=SECONDS + 5, what="CAM01 read again")
