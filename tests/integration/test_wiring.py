"""The one-process hub on the demo town starts every plugin of its role on a frozen context, wired by the bootstrap."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from adapters.station_links import StationLinks
from hub.broadcast.service import BroadcastService
from hub.calls.service import CallService
from hub.gridwork.service import GridworkService
from hub.register.service import RegisterService
from tests.support import hub_settings, make_hub, sample_town

pytestmark = pytest.mark.integration


async def test_every_part_is_wired_and_the_context_stays_frozen(tmp_path: Path) -> None:
    settings = hub_settings(tmp_path, None, demo={"scenario": "flood", "interval_s": 60, "speed": 60})
    town = sample_town()  # with its cameras: the demo shows simulated streets in place of their addresses
    cameras = town.sections["cameras"].model_copy(update={"enabled": True})
    town = dataclasses.replace(town, sections={**town.sections, "cameras": cameras})
    async with make_hub(settings, town) as hub:
        ctx = hub.ctx
        started = {s.name for s in hub.services}
        assert {"embedded-broker", "mqtt", "mqtt-out", "speaker-mqtt", "hj212", "sl651", "cameras", "janus",
                "register", "gridwork", "console", "simulators"} <= started
        assert isinstance(ctx.broadcast, BroadcastService)
        assert isinstance(ctx.calls, CallService)
        assert isinstance(ctx.register, RegisterService)
        assert isinstance(ctx.gridwork, GridworkService)
        assert isinstance(ctx.station_commands, StationLinks)  # one for HJ 212 and SL 651 alike
        assert ctx.outbound is next(s for s in hub.services if s.name == "mqtt-out")
        assert ctx.cameras is next(s for s in hub.services if s.name == "cameras")
        with pytest.raises(dataclasses.FrozenInstanceError):
            ctx.broadcast = None  # type: ignore[misc]
    assert ctx.broadcast is not None  # stopping the services leaves the context as the bootstrap made it
