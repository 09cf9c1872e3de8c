"""The hub's lifecycle: build the core, start the plugins' services, stop them in reverse."""

from __future__ import annotations

import asyncio
import logging
import time

from hub.bootstrap import build_context, start_services
from hub.clock import Clock, demo_clock
from hub.cluster import Election
from hub.context import HubContext
from hub.derived import derived_history
from hub.memwatch import MemWatch
from hub.models import DeviceEvent, IngestBatch
from hub.registry import Registry, Service
from hub.settings import HubSettings, Role
from hub.stale_metrics import StaleWriteCollector
from hub.tasks import TaskSet
from hub.townfile import LoadedTown
from hub.users.demo import seed_demo_accounts

log = logging.getLogger(__name__)


class Hub:
    """One running hub: `async with Hub(...) as hub:` starts it and stops it cleanly."""

    def __init__(self, settings: HubSettings, town: LoadedTown, registry: Registry, clock: Clock | None = None) -> None:
        self.settings = settings
        self._clock = clock
        self.loaded = town
        self.registry = registry
        self.services: list[Service] = []
        self._ctx: HubContext | None = None
        self._tasks = TaskSet()
        self._election: Election | None = None
        self._state_started = False
        self.deposed = asyncio.Event()  # a core leader lost its leadership: the process must stop at once
        self.why_deposed = ""

    @property
    def ctx(self) -> HubContext:
        if self._ctx is None:
            raise RuntimeError("hub not started")
        return self._ctx

    async def __aenter__(self) -> Hub:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        """Start what this process's role runs: a core process first waits until it leads."""
        clock = self._clock or (demo_clock(self.settings.demo) if self.settings.demo else time.time)
        self._ctx = ctx = build_context(self.settings, self.loaded, self.registry, clock, self._health_event)
        ctx.metrics.add_collector(StaleWriteCollector(ctx))
        ctx.recorder.start()
        self._wire(ctx)
        role = self.settings.role
        try:
            if role is Role.CORE:
                await self._lead()
            if role in (Role.ALL, Role.CORE):
                await self._start_alerts(ctx)
            await start_services(ctx, self.services)
            for state in (ctx.broadcast, ctx.calls):  # offered by their plugins' services, when the town has them
                if state is not None:
                    self._tasks.spawn(self._stop_when(state.failed))
        except BaseException:
            await self.stop()
            raise
        self._tasks.spawn(self._watch_health(ctx))
        if self.settings.memwatch_s:
            watch = MemWatch(self.settings.data_dir / "memwatch.txt", self.settings.memwatch_s,
                             self.settings.memwatch_frames)
            self._tasks.spawn(watch.run(), name="memwatch")

    async def stop(self) -> None:
        if self._ctx is not None and self._state_started:
            await self._ctx.dispatch.stop()
            await self._ctx.cases.stop()
            await self._ctx.alerts.stop()  # first: its channels may use the embedded broker
        await self._tasks.cancel()
        while self.services:
            service = self.services.pop()
            try:
                await service.stop()
            except Exception:
                log.exception("stopping %s failed", service.name)
        if self._ctx is not None:
            await asyncio.to_thread(self._ctx.recorder.stop)
            self._ctx.store.close()
            self._ctx.alerts.store.close()
            self._ctx.dispatch.store.close()
            self._ctx.users.store.close()
            self._ctx.cases.store.close()
            self._ctx = None
        if self._election is not None:
            await self._election.close()
            self._election = None

    async def _lead(self) -> None:
        """Campaign as a standby until this process leads; from then on, watch for the leadership's loss."""
        election = self._election = self.registry.election()(self.settings, self.loaded.town.town.id)
        await election.campaign()

        async def watch() -> None:
            await election.deposed.wait()
            self.why_deposed = "this process lost the leadership; another may lead now"
            self.deposed.set()

        self._tasks.spawn(watch())

    def _health_event(self, event: DeviceEvent) -> None:
        # A core process sees other devices' traffic in the batches it follows, but their owners decide.
        if self.settings.role is not Role.CORE or event.device in self.ctx.health.watching:
            self._device_event(event)

    async def _start_alerts(self, ctx: HubContext) -> None:
        types = self.registry.notifier_types()
        notifiers = [types[config.type].build(config, ctx) for config in self.loaded.notifiers]
        if ctx.settings.role is Role.ALL:  # else the ingest workers derive the series of their own devices
            history = await asyncio.to_thread(derived_history, ctx.store, ctx.town.devices, ctx.clock(),
                                              ctx.settings.rise_window_s)
            ctx.intake.prime(history)
        self._state_started = True
        for failed in (ctx.alerts.failed, ctx.cases.failed, ctx.dispatch.failed):
            self._tasks.spawn(self._stop_when(failed))
        await ctx.alerts.start(notifiers)
        await ctx.dispatch.start()
        await ctx.users.start()
        await ctx.cases.start()
        if ctx.settings.demo:
            accounts = await seed_demo_accounts(ctx.users, ctx.town, ctx.settings.data_dir)
            log.warning("demo accounts (admin, duty, cadre.<village>) in %s: %s", accounts,
                        accounts.read_text(encoding="utf-8").splitlines()[0])

    async def _stop_when(self, failed: asyncio.Event) -> None:
        """A state store that gave up or found another leader's writes stops the process, as a lost leadership does."""
        await failed.wait()
        self.why_deposed = "the state store cannot be written safely (it failed too long, or another leader wrote)"
        log.critical("%s: this process stops", self.why_deposed)
        self.deposed.set()

    def _wire(self, ctx: HubContext) -> None:
        def on_batch(batch: IngestBatch) -> None:
            for device in batch.devices_heard():
                ctx.health.async_seen(device, batch.received)
            for report in batch.status_reports:
                ctx.health.async_status(report)
            ctx.dead_letters.async_add(batch.dead_letters)

        ctx.bus.subscribe(IngestBatch, on_batch)

    def _device_event(self, event: DeviceEvent) -> None:
        ctx = self.ctx
        log.info("device %s %s (%s)", event.device, event.kind.value, event.reason)
        ctx.recorder.add_event(event)
        ctx.bus.async_publish(event)

    async def _watch_health(self, ctx: HubContext) -> None:
        while True:
            await asyncio.sleep(ctx.settings.health_check_s)
            ctx.health.async_check()
