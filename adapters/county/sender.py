"""A town's side of the link: what the town sends is kept in its outbox, then pushed to the county in order.

Events from the bus are numbered and kept by a writer task; a sender task posts the oldest kept messages, and
forgets those the county acknowledged. While the county is unreachable the outbox grows and the sender retries,
so an outage of any length, or a restart of either side, loses nothing and repeats nothing the county stored.
The outbox also keeps how far along the town's alert trail it is: at start, every transition after that (all
of them, at a town's first link; those a crash cut off between the alert's commit and its outbox row, later) is
read from the alert store and kept first, in the trail's order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Callable, Iterable

import httpx
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from adapters.county.directive_store import SqlDirectiveBox
from adapters.county.outbox_store import SqlOutbox
from adapters.county.town_work import TownWork
from adapters.county.work_box import SqlWorkBox
from adapters.sql import state_url
from hub.alerts.defaults import UPSTREAM_WATER
from hub.alerts.model import AlertEvent
from hub.cases.model import CaseEvent
from hub.context import HubContext, Provided
from hub.county.config import CountyLink, Stream
from hub.county.directives import DirectiveIn
from hub.county.messages import AlertUp, Body, LinkAck, LinkBatch
from hub.county.upload import STATION_KINDS, alert_up, case_up, station_up, summary_up
from hub.county.upstream import LINKAGE_ACTOR, upstream_change
from hub.county.work import RoutedIn
from hub.tasks import TaskSet

log = logging.getLogger(__name__)
FIRST_RETRY_S = 0.5


class LinkDown(Exception):
    """The county could not be reached, or did not take the batch."""


class LinkCollector(Collector):
    """The link's state at /metrics: up or not, and the messages the outbox holds (as of the last try)."""

    def __init__(self, link: CountyLinkService) -> None:
        self._link = link

    def collect(self) -> Iterable[GaugeMetricFamily]:
        yield GaugeMetricFamily("gridhub_county_link_up", "1 while the county took the last request",
                                value=1 if self._link.up else 0)
        yield GaugeMetricFamily("gridhub_county_outbox_messages", "Messages kept for the county, not yet "
                                "acknowledged", value=self._link.backlog)


class CountyLinkService:
    """Keeps what the town sends up in its outbox and pushes it to the county."""

    name = "county-link"

    def __init__(self, ctx: HubContext, link: CountyLink) -> None:
        self._ctx = ctx
        self._link = link
        self.outbox = SqlOutbox(state_url(ctx.settings))
        self.inbox = SqlDirectiveBox(state_url(ctx.settings), self.outbox)
        self._kept = asyncio.Event()  # the outbox has messages the sender may not have seen
        self.work = TownWork(ctx, SqlWorkBox(state_url(ctx.settings), self.outbox), self._keep, self._kept.set)
        self._directives_after = 0
        self._down_after: dict[str, int] = {}
        self._pending: list[tuple[Stream, Body]] = []  # on the loop only: the bus handlers add, the writer takes
        self._pending_set = asyncio.Event()
        self._tasks = TaskSet()
        self._writer: asyncio.Task[None] | None = None
        self._closing = False
        self._unsubscribe: list[Callable[[], None]] = []
        self._client: httpx.AsyncClient | None = None
        self.up: bool | None = None  # None until the first try
        self.backlog = 0
        self._collector = LinkCollector(self)
        self.url = ""

    async def start(self) -> None:
        send = self._link.send
        if Stream.ALERTS in send:
            self._unsubscribe.append(self._ctx.bus.subscribe(AlertEvent, self._on_alert))
            await self._catch_up()
        if Stream.CASES in send:
            self._unsubscribe.append(self._ctx.bus.subscribe(CaseEvent, self._on_case))
        self._directives_after = await asyncio.to_thread(self.inbox.last_id)
        self._down_after = await asyncio.to_thread(self.work.box.last_seqs)
        self.work.start()
        self._ctx.metrics.add_collector(self._collector)
        self._client = httpx.AsyncClient(base_url=self._link.url, verify=self._tls(), timeout=10.0)
        self._writer = asyncio.create_task(self._write(), name="county-outbox")
        self._tasks.spawn(self._send(), "county-sender")
        if Stream.SUMMARY in send:
            self._tasks.spawn(self._summaries(), "county-summary")
        self._kept.set()  # what a previous run left in the outbox goes first

    def provided(self) -> Provided:
        return Provided(county=self, county_work=self.work)

    async def stop(self) -> None:
        await self.work.stop()
        self._ctx.metrics.registry.unregister(self._collector)
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        await self._tasks.cancel()
        await self._drain()
        if self._client is not None:
            await self._client.aclose()
        self.inbox.close()
        self.work.box.close()
        self.outbox.close()

    async def _drain(self) -> None:
        """Let the writer keep what is pending (the last moments' events, for the next run), then end it.

        Not cancelled mid-write: its thread would go on writing while a second write numbered what came after."""
        if self._writer is None:
            return
        self._closing = True
        self._pending_set.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._writer), 10.0)
        except TimeoutError:
            log.error("county outbox: %d messages not kept at stop", len(self._pending))
            self._writer.cancel()

    def _tls(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=str(self._link.ca_file))
        context.load_cert_chain(str(self._link.cert_file), str(self._link.key_file))
        return context

    # --- into the outbox ------------------------------------------------------------------------

    def _on_alert(self, event: AlertEvent) -> None:
        body = alert_up(event, self._ctx.town)
        if body is not None:
            self._keep(Stream.ALERTS, body)

    async def _catch_up(self) -> None:
        """Keep the alert trail's transitions the outbox has not: subscribed first, so that none falls between."""
        cursor = await asyncio.to_thread(self.outbox.alert_cursor)
        missed: list[AlertUp] = []
        while entries := await asyncio.to_thread(self._ctx.alerts.store.feed, cursor, 500):
            missed += [b for e in entries if (b := alert_up(AlertEvent(e.alert, e.transition), self._ctx.town))]
            cursor = entries[-1].transition.seq
        if missed:
            log.info("county outbox: %d transitions of the alert trail to send first", len(missed))
        trail = {b.town_seq: b for b in missed} | {b.town_seq: b for _, b in self._pending if isinstance(b, AlertUp)}
        ordered: list[tuple[Stream, Body]] = [(Stream.ALERTS, trail[n]) for n in sorted(trail)]
        self._pending = ordered + [(s, b) for s, b in self._pending if not isinstance(b, AlertUp)]
        if self._pending:
            self._pending_set.set()

    def _on_case(self, event: CaseEvent) -> None:
        self._keep(Stream.CASES, case_up(event, self._ctx.clock()))

    def _keep(self, stream: Stream, body: Body) -> None:
        self._pending.append((stream, body))
        self._pending_set.set()

    async def _write(self) -> None:
        while True:
            await self._pending_set.wait()
            self._pending_set.clear()
            if self._closing and not self._pending:
                return
            items, self._pending = self._pending, []
            try:
                await asyncio.to_thread(self.outbox.add, items)
            except Exception:
                log.exception("county outbox: %d messages not kept yet; trying again", len(items))
                self._pending = items + self._pending
                self._pending_set.set()
                await asyncio.sleep(1.0)
                continue
            self._kept.set()
            if self._closing:
                self._pending_set.set()  # one more round: returns once nothing is pending

    async def _summaries(self) -> None:
        ctx = self._ctx
        stations = [d for d in ctx.town.devices if d.kind in STATION_KINDS]
        while True:
            latest = await asyncio.to_thread(lambda: [station_up(d, ctx.store.latest(d.id)) for d in stations])
            severities = [a.severity.value for a in ctx.alerts.book.open_alerts()]
            self._keep(Stream.SUMMARY, summary_up(ctx.clock(), severities, list(ctx.cases.book.cases.values()),
                                                  ctx.health.counts(), latest))
            await asyncio.sleep(self._link.summary_every_s)

    # --- to the county --------------------------------------------------------------------------

    async def _send(self) -> None:
        delay = FIRST_RETRY_S
        while True:
            self._kept.clear()  # before reading, so that a message kept meanwhile wakes the wait below
            messages = await asyncio.to_thread(self.outbox.oldest, self._link.batch)
            backlog = self.backlog = await asyncio.to_thread(self.outbox.backlog)
            try:
                ack = await self._post(LinkBatch(town=self._ctx.town.town.id, backlog=backlog, messages=messages,
                                                 directives_after=self._directives_after,
                                                 down_after=self._down_after))
            except LinkDown as exc:
                self._went_down(str(exc), backlog)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._link.retry_max_s)
                continue
            delay = FIRST_RETRY_S
            self._came_up(backlog)
            self.backlog -= await asyncio.to_thread(self.outbox.acknowledge, ack.acked)
            await self._received(ack)
            if len(messages) < self._link.batch and not ack.directives and not ack.down:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._kept.wait(), self._link.poll_s)

    async def _received(self, ack: LinkAck) -> None:
        if ack.down:
            for item in await asyncio.to_thread(self.work.box.keep, ack.down, self._ctx.clock()):
                log.warning("county %s %d arrived", "case" if isinstance(item, RoutedIn) else "broadcast request",
                            item.seq)
            for message in ack.down:
                self._down_after[message.stream] = max(self._down_after.get(message.stream, 0), message.seq)
        if not ack.directives:
            return
        for directive in await asyncio.to_thread(self.inbox.keep, ack.directives, self._ctx.clock()):
            log.warning("county directive %d from %s: %s", directive.id, directive.issued_by, directive.title)
            await self._upstream(directive)
        self._directives_after = max(self._directives_after, *(d.id for d in ack.directives))

    async def _upstream(self, directive: DirectiveIn) -> None:
        """上游来水 becomes an alert on the town's own screen; its lifting resolves that alert."""
        change = upstream_change(directive, self._ctx.town.town.timezone, self._ctx.clock())
        if change is None:
            return
        if change.signal is not None:
            self._ctx.alerts.async_signal(change.signal)
        else:
            await self._ctx.alerts.resolve_source(UPSTREAM_WATER, change.source, LINKAGE_ACTOR, change.note)

    # --- the console's ------------------------------------------------------------------------

    async def directives(self) -> list[DirectiveIn]:
        return await asyncio.to_thread(self.inbox.all)

    async def acknowledge(self, directive_id: int, actor: str) -> DirectiveIn:
        acked = await asyncio.to_thread(self.inbox.acknowledge, directive_id, actor, self._ctx.clock())
        self._kept.set()
        return acked

    async def _post(self, batch: LinkBatch) -> LinkAck:
        assert self._client is not None
        try:
            response = await self._client.post("/api/county/link/batch", content=batch.model_dump_json(),
                                               headers={"Content-Type": "application/json"})
        except httpx.HTTPError as exc:
            raise LinkDown(f"{type(exc).__name__}: {exc}") from None
        if response.status_code != 200:
            raise LinkDown(f"the county answered {response.status_code}: {response.text[:200]}")
        return LinkAck.model_validate_json(response.content)

    def _went_down(self, why: str, backlog: int) -> None:
        if self.up is not False or why.startswith("the county answered"):
            log.warning("county link down (%s); %d messages kept until it is back", why, backlog)
        self.up = False

    def _came_up(self, backlog: int) -> None:
        if self.up is not True:
            log.info("county link up; sending %d kept messages", backlog)
        self.up = True
