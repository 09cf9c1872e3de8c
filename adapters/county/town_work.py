"""The town's side of the county's work: routed cases become town cases, broadcast requests become jobs.

An accepted case is made by the town's case service (accepted at once, so its time limit starts); each later step
of it goes up as a step of the county's case. A confirmed request is a job of the town's broadcast service; once
the job is finished its outcome (speakers played, failed) goes up. Answers are kept with their message up in one
transaction (SqlWorkBox.answer); steps and outcomes go through the link's outbox writer, in the order they happen.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TypeVar

from adapters.county.work_box import SqlWorkBox
from hub.broadcast.config import JobCreate, Target
from hub.broadcast.model import BroadcastUpdate, Job
from hub.cases.model import Action, Case, CaseEvent, Kind, NewCase, Requester, Source
from hub.cases.places import CaseInputError
from hub.context import HubContext
from hub.county.config import Stream
from hub.county.messages import Body, BroadcastReplyUp, RoutedCaseUp
from hub.county.work import BroadcastIn, RoutedIn, WorkError, county_ref, parse_ref
from hub.privacy import mask_text
from hub.tasks import TaskSet

log = logging.getLogger(__name__)
H = TypeVar("H", RoutedIn, BroadcastIn)
Answer = RoutedCaseUp | BroadcastReplyUp
ORIGIN = "county:"  # a broadcast job's origin: county:<the request's number down>
SKIPPED = frozenset({Action.RECEIVE, Action.ACCEPT})  # told by the acceptance itself


class TownWork:
    """Implements hub.county.work.CountyWork on the town's case and broadcast services."""

    def __init__(self, ctx: HubContext, box: SqlWorkBox, keep: Callable[[Stream, Body], None],
                 kept: Callable[[], None]) -> None:
        self._ctx = ctx
        self.box = box
        self._keep = keep  # into the outbox, by the link's writer, in order with the other events
        self._kept = kept  # an answer is in the outbox: the sender sends it now, not at its next poll
        self._answering = asyncio.Lock()  # one answer at a time: two officers never make two town cases of one
        self._tasks = TaskSet()
        self._unsubscribe: list[Callable[[], None]] = []

    def start(self) -> None:
        self._unsubscribe += [self._ctx.bus.subscribe(CaseEvent, self._on_case),
                              self._ctx.bus.subscribe(BroadcastUpdate, self._on_broadcast)]

    async def stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        await self._tasks.cancel()

    async def _answer(self, model: type[H], seq: int, change: Callable[[H], tuple[H, Answer]]) -> H:
        """Keep the answer with its message up, and wake the sender."""
        done = await asyncio.to_thread(self.box.answer, model, seq, change)
        self._kept()
        return done

    # --- routed cases -----------------------------------------------------------------------------

    async def routed(self) -> list[RoutedIn]:
        return await asyncio.to_thread(self.box.all, RoutedIn)

    async def accept(self, seq: int, actor: str, category: str | None = None) -> RoutedIn:
        async with self._answering:
            held = _waiting(await asyncio.to_thread(self.box.get, RoutedIn, seq))
            case = self._existing(held) or await self._make_case(held, actor, category)
            now = self._ctx.clock()
            up = RoutedCaseUp(case_id=held.case.case_id, routing=held.case.routing, action="accept", by=actor, at=now,
                              town_case_id=case.id, town_number=case.number, state=case.state.value,
                              due_at=case.due_at, limit=case.limit)
            return await self._answer(RoutedIn, seq, lambda h: (_waiting(h).model_copy(
                update={"state": "accepted", "answered_by": actor, "answered_at": now, "town_case_id": case.id,
                        "town_number": case.number}), up))

    async def send_back(self, seq: int, actor: str, reason: str) -> RoutedIn:
        if not reason.strip():
            raise WorkError("sending a case back needs a reason")
        async with self._answering:
            now = self._ctx.clock()

            def change(held: RoutedIn) -> tuple[RoutedIn, RoutedCaseUp]:
                up = RoutedCaseUp(case_id=held.case.case_id, routing=held.case.routing, action="send_back", by=actor,
                                  at=now, reason=reason)
                return _waiting(held).model_copy(update={"state": "sent_back", "answered_by": actor,
                                                         "answered_at": now, "reason": reason}), up
            return await self._answer(RoutedIn, seq, change)

    def _existing(self, held: RoutedIn) -> Case | None:
        """A town case already made of this routing (the answer's transaction failed after it): not made twice."""
        ref = county_ref(held.case)
        return next((c for c in self._ctx.cases.book.cases.values() if c.source_ref == ref), None)

    async def _make_case(self, held: RoutedIn, actor: str, category: str | None) -> Case:
        down = held.case
        chosen = category or down.category
        if chosen not in self._ctx.town.cases.category_map():
            raise CaseInputError(f"the county's category {down.category!r} is not one of this town's: choose one")
        who = Requester(name=down.requester_name, phone=down.requester_phone) if down.requester_name else None
        title = down.title if not down.note else f"{down.title}（县级转办）"
        new = NewCase(Source.COUNTY, chosen, title, down.matter, kind=Kind(down.case_kind), requester=who,
                      address=down.address, location=down.location, village=down.village, urgent=down.urgent,
                      source_ref=county_ref(down), attributes={**down.attributes, "county_number": down.number},
                      accept=True)
        case, _, _ = await self._ctx.cases.receive(new, actor)
        return case

    def _on_case(self, event: CaseEvent) -> None:
        case, entry = event.case, event.entry
        found = parse_ref(case.source_ref) if case.source is Source.COUNTY else None
        if found is None or entry.action in SKIPPED:
            return
        self._keep(Stream.COUNTY_CASES, RoutedCaseUp(
            case_id=found[0], routing=found[1], action="step", by=entry.actor, at=entry.ts, step=entry.action.value,
            reason=mask_text(entry.note), town_case_id=case.id, town_number=case.number, state=case.state.value,
            due_at=case.due_at, limit=case.limit))

    # --- broadcast requests -----------------------------------------------------------------------

    async def broadcast_requests(self) -> list[BroadcastIn]:
        return await asyncio.to_thread(self.box.all, BroadcastIn)

    async def confirm(self, seq: int, actor: str) -> BroadcastIn:
        broadcast = self._ctx.broadcast
        if broadcast is None:
            raise WorkError("this town has no loudspeakers")
        async with self._answering:
            held = _waiting(await asyncio.to_thread(self.box.get, BroadcastIn, seq))
            asked = held.request
            target = Target(villages=asked.villages) if asked.villages else \
                Target(area_codes=(self._ctx.town.town.admin_code,))
            job = await broadcast.create(JobCreate(text=asked.text, target=target, priority=asked.priority,
                                                   repeat=asked.repeat), actor, origin=f"{ORIGIN}{seq}")
            now = self._ctx.clock()
            up = BroadcastReplyUp(request_id=asked.request_id, action="confirm", by=actor, at=now, job_id=job.id,
                                  targeted=len(job.speakers))
            return await self._answer(BroadcastIn, seq, lambda h: (_waiting(h).model_copy(
                update={"state": "confirmed", "answered_by": actor, "answered_at": now, "job_id": job.id,
                        "targeted": len(job.speakers)}), up))

    async def decline(self, seq: int, actor: str, reason: str) -> BroadcastIn:
        if not reason.strip():
            raise WorkError("declining a broadcast request needs a reason")
        async with self._answering:
            now = self._ctx.clock()

            def change(held: BroadcastIn) -> tuple[BroadcastIn, BroadcastReplyUp]:
                up = BroadcastReplyUp(request_id=held.request.request_id, action="decline", by=actor, at=now,
                                      reason=reason)
                return _waiting(held).model_copy(update={"state": "declined", "answered_by": actor,
                                                         "answered_at": now, "reason": reason}), up
            return await self._answer(BroadcastIn, seq, change)

    def _on_broadcast(self, update: BroadcastUpdate) -> None:
        job = update.job
        if job.origin.startswith(ORIGIN) and job.state.is_final and job.origin[len(ORIGIN):].isdigit():
            self._tasks.spawn(self._finished(int(job.origin[len(ORIGIN):]), job, update), "county-broadcast-outcome")

    async def _finished(self, seq: int, job: Job, update: BroadcastUpdate) -> None:
        """The job's outcome up, once: the first final update of a confirmed request."""
        s = update.summary
        failed = s.failed + s.offline + s.cancelled

        def change(held: BroadcastIn) -> tuple[BroadcastIn, BroadcastReplyUp]:
            if held.state != "confirmed":
                raise WorkError("told already")
            up = BroadcastReplyUp(request_id=held.request.request_id, action="outcome", by=job.created_by,
                                  at=job.updated_at, job_id=job.id, job_state=job.state.value,
                                  targeted=s.targeted, played=s.played, failed=failed)
            return held.model_copy(update={"state": "done", "job_state": job.state.value, "targeted": s.targeted,
                                           "played": s.played, "failed": failed}), up
        async with self._answering:
            try:
                await self._answer(BroadcastIn, seq, change)
            except (WorkError, KeyError):
                return


def _waiting(held: H) -> H:
    if held.state != "waiting":
        raise WorkError(f"answered already ({held.state}) by {held.answered_by}")
    return held
