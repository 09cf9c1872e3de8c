"""What every service of a running hub is given: settings, town and the core services.

The context is frozen: no service sets anything on it. What a plugin's service offers the rest of the hub
(the broadcast service, the calls, the MQTT publisher …) it returns as `Provided` once started, and the bootstrap
(hub/bootstrap.py) alone puts those into the context, each part once.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from hub.alerts.service import AlertService
from hub.broadcast.service import BroadcastService
from hub.bus import Bus
from hub.calls.service import CallService
from hub.cameras import CameraFeeds
from hub.cases.service import CaseService
from hub.clock import Clock
from hub.county.directives import CountyDirectives
from hub.county.work import CountyWork
from hub.deadletters import DeadLetterLog
from hub.dispatch.service import DispatchService
from hub.gridwork.service import GridworkService
from hub.health import HealthTracker
from hub.intake import Intake
from hub.metrics import HubMetrics
from hub.models import DeviceEvent
from hub.outbound import Outbound
from hub.recorder import Recorder
from hub.register.service import RegisterService
from hub.registry import Registry
from hub.settings import HubSettings
from hub.station_commands import StationCommander
from hub.store import Store
from hub.town import Town
from hub.users.service import UserService


@dataclass(frozen=True)
class Provided:
    """What a plugin's service offers the rest of the hub; the bootstrap puts each given part into the context."""

    cameras: CameraFeeds | None = None  # the video edge
    outbound: Outbound | None = None  # the MQTT edge's publisher
    broadcast: BroadcastService | None = None  # the loudspeaker plugin
    calls: CallService | None = None  # the janus plugin
    register: RegisterService | None = None  # the register plugin, when it has a key
    station_commands: StationCommander | None = None  # the TCP station edges (HJ 212, SL 651), or the leader's relay
    gridwork: GridworkService | None = None  # the gridwork plugin, while the register is on
    county: CountyDirectives | None = None  # the county link, when the town file names a county
    county_work: CountyWork | None = None  # the same link's cases and broadcast requests from the county


@dataclass(frozen=True)
class HubContext:
    settings: HubSettings
    town: Town
    sections: dict[str, Any]  # validated adapters.<name> sections of the town file
    registry: Registry
    bus: Bus
    metrics: HubMetrics
    store: Store
    recorder: Recorder
    health: HealthTracker
    dead_letters: DeadLetterLog
    intake: Intake
    alerts: AlertService
    dispatch: DispatchService
    users: UserService
    cases: CaseService
    clock: Clock  # the town's time: the wall clock, or the demo's
    started_at: float
    # The parts of plugins' services (see Provided): None until the service that offers it has started, or when the
    # town or the process's role has none.
    cameras: CameraFeeds | None = None
    outbound: Outbound | None = None
    broadcast: BroadcastService | None = None
    calls: CallService | None = None
    register: RegisterService | None = None
    station_commands: StationCommander | None = None
    gridwork: GridworkService | None = None
    county: CountyDirectives | None = None
    county_work: CountyWork | None = None

    def async_device_event(self, event: DeviceEvent) -> None:
        """Record and publish an event an edge saw on a device itself (camera motion, tamper); loop only."""
        self.recorder.add_event(event)
        self.bus.async_publish(event)


class PartTaken(RuntimeError):
    """Two services offer the same part of the context."""


def add_provided(ctx: HubContext, provided: Provided) -> None:
    """The bootstrap's alone (hub/bootstrap.py): put the parts a started service offers into its frozen context."""
    for part in fields(provided):
        offered, held = getattr(provided, part.name), getattr(ctx, part.name)
        if offered is None or offered is held:
            continue
        if held is not None:
            raise PartTaken(f"ctx.{part.name} is offered by two services")
        object.__setattr__(ctx, part.name, offered)  # the one write to a context after it is built
