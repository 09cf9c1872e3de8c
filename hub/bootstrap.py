"""The one place a hub is wired: the core services, then the services of the plugins the process's role runs.

Each plugin's factory is handed the context and builds its service with what that service needs (the speaker
plugin builds the broadcast service on its store and speech, the janus plugin the call service on Janus …).
What a started service offers the rest of the hub (`Provided`) is put into the context here and nowhere else:
the context is frozen for everyone else.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from hub.alerts.metrics import AlertCollector
from hub.alerts.service import AlertService
from hub.bus import Bus
from hub.cases.service import CaseService
from hub.clock import Clock
from hub.context import HubContext, add_provided
from hub.deadletters import DeadLetterLog
from hub.derived import Deriver
from hub.dispatch.service import DispatchService
from hub.health import HealthTracker
from hub.intake import Intake
from hub.metrics import DeviceHealthCollector, HubMetrics
from hub.models import DeviceEvent
from hub.recorder import Recorder
from hub.registry import Provider, Registry, Service
from hub.settings import HubSettings, Role
from hub.shards import LEADER_ADAPTERS
from hub.town import Town
from hub.townfile import LoadedTown
from hub.users.service import UserService


def build_context(settings: HubSettings, loaded: LoadedTown, registry: Registry, clock: Clock,
                  on_device_event: Callable[[DeviceEvent], None]) -> HubContext:
    """The core services on the stores the settings name; the plugins' parts come as their services start."""
    town = loaded.town
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    bus = Bus()
    metrics = HubMetrics()
    store = registry.store(settings.store)(settings)
    recorder = Recorder(store, settings.recorder, metrics)
    health = health_tracker(settings.role, town, registry, on_device_event)
    metrics.add_collector(DeviceHealthCollector(health.counts))
    intake = Intake(recorder, bus, metrics, Deriver(settings.rise_window_s))
    alerts = AlertService(town, registry.alert_store(settings.alert_store)(settings), bus, clock,
                          settings.console_url, settings.state_give_up_s)
    metrics.add_collector(AlertCollector(alerts))
    dispatch = DispatchService(town, registry.dispatch_store(settings.alert_store)(settings), bus, clock,
                               alerts, settings.files() / "photos")
    users = UserService(registry.user_store(settings.alert_store)(settings), {v.id for v in town.villages},
                        grids=set(town.grids()), shared=settings.role is Role.CONSOLE)
    cases = CaseService(town, registry.case_store(settings.alert_store)(settings), bus, clock, alerts,
                        settings.files() / "case-photos", settings.state_give_up_s)
    return HubContext(settings, town, loaded.sections, registry, bus, metrics, store, recorder, health,
                      DeadLetterLog(), intake, alerts, dispatch, users, cases, clock, time.time())


def health_tracker(role: Role, town: Town, registry: Registry,
                   on_event: Callable[[DeviceEvent], None]) -> HealthTracker:
    """Who judges which device: the one process all; an ingest worker the devices of the shares it takes; the
    core leader those it talks to itself (LEADER_ADAPTERS) and, for the others, follows the ingest workers."""
    monitored = registry.device_adapters()
    if role is Role.INGEST:
        monitored -= LEADER_ADAPTERS
    health = HealthTracker(town, monitored, on_event)
    if role is not Role.ALL:
        health.watching.clear()
    if role is Role.CORE:
        health.async_watch(d.id for d in town.devices if d.adapter in LEADER_ADAPTERS)
    return health


async def start_services(ctx: HubContext, started: list[Service]) -> None:
    """Build and start, in order, the service of each plugin the role runs, appending each to *started* (the
    caller stops them in reverse, also after a failure here); a started service's parts go into the context,
    for the services built after it and for the console's routes."""
    role = ctx.settings.role.value
    for plugin in ctx.registry.plugins.values():
        service = plugin.service(ctx) if plugin.service and role in plugin.roles else None
        if service is None:
            continue
        await service.start()
        started.append(service)
        if isinstance(service, Provider):
            add_provided(ctx, service.provided())
