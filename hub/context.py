"""What every service of a running hub is given: settings, town and the core services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.alerts.service import AlertService
from hub.broadcast.service import BroadcastService
from hub.bus import Bus
from hub.clock import Clock
from hub.deadletters import DeadLetterLog
from hub.health import HealthTracker
from hub.intake import Intake
from hub.metrics import HubMetrics
from hub.recorder import Recorder
from hub.registry import Registry
from hub.settings import HubSettings
from hub.store import Store
from hub.town import Town


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
    clock: Clock  # the town's time: the wall clock, or the demo's
    started_at: float
    broadcast: BroadcastService | None = None  # set by the loudspeaker plugin's service
