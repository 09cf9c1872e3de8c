"""What every service of a running hub is given: settings, town and the core services."""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass
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
    cameras: CameraFeeds | None = None  # set by the video edge while it runs
    outbound: Outbound | None = None  # set by the MQTT edge's publisher while it runs

    def async_device_event(self, event: DeviceEvent) -> None:
        """Record and publish an event an edge saw on a device itself (camera motion, tamper); loop only."""
        self.recorder.add_event(event)
        self.bus.async_publish(event)
    broadcast: BroadcastService | None = None  # set by the loudspeaker plugin's service
    calls: CallService | None = None  # set by the janus plugin's service
    register: RegisterService | None = None  # set by the register plugin's service, when it has a key
    station_commands: StationCommander | None = None  # set by the TCP station edges (HJ 212, SL 651) while they run
    gridwork: GridworkService | None = None  # set by the gridwork plugin's service, while the register is on
    county: CountyDirectives | None = None  # set by the county link's service, when the town file names a county
    county_work: CountyWork | None = None  # the same service's cases and broadcast requests from the county
