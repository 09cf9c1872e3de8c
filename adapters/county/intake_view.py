"""The county's intake and routing (受理分流) and its broadcast requests, on the county's view.

Like the rest of the view it has no accounts yet (the county roles are still to come): it listens on loopback.
"""

from __future__ import annotations

import asyncio
import time
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from adapters.county.intake_store import SqlIntakeStore
from hub.county.config import County
from hub.county.intake import BroadcastNew, BroadcastRequest, IntakeCase, IntakeError, IntakeNew, Step

RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]  # what SQLite and PostgreSQL hold


class Routing(BaseModel):
    """A county officer routes a case to a town (分流)."""

    model_config = ConfigDict(extra="forbid")

    town: str = Field(min_length=1, description="the town's id")
    by: str = Field(min_length=1, max_length=100, description="the county officer routing it")
    note: str = Field(default="", max_length=1000, description="what the town should know")


class CaseWithSteps(BaseModel):
    case: IntakeCase
    steps: list[Step]


def intake_router(county: County, store: SqlIntakeStore) -> APIRouter:
    router = APIRouter(tags=["county intake"])
    towns = county.town_map()

    def known(names: list[str]) -> None:
        unknown = [t for t in names if t not in towns]
        if unknown:
            raise HTTPException(422, f"no town {', '.join(unknown)} in {county.county.name}")

    @router.post("/api/county/intake", status_code=201)
    async def take(body: IntakeNew) -> IntakeCase:
        """Register a case taken at the county (its 12345 intake); it waits to be routed."""
        return await asyncio.to_thread(store.take, body, time.time())

    @router.get("/api/county/intake")
    async def cases(state: str | None = None, town: str | None = None) -> list[IntakeCase]:
        return await asyncio.to_thread(store.cases, state, town)

    @router.get("/api/county/intake/{case_id}")
    async def case(case_id: RowId) -> CaseWithSteps:
        """A county case with each of its steps, in order, with their times."""
        try:
            found, steps = await asyncio.to_thread(store.case, case_id)
        except KeyError:
            raise HTTPException(404, f"no county case {case_id}") from None
        return CaseWithSteps(case=found, steps=steps)

    @router.post("/api/county/intake/{case_id}/route")
    async def route(case_id: RowId, body: Routing) -> IntakeCase:
        """Route a new or sent-back case to a town: it reaches the town on its next request."""
        known([body.town])
        try:
            return await asyncio.to_thread(store.route, case_id, body.town, body.by, body.note, time.time())
        except KeyError:
            raise HTTPException(404, f"no county case {case_id}") from None
        except IntakeError as exc:
            raise HTTPException(409, str(exc)) from None

    @router.post("/api/county/broadcasts", status_code=201)
    async def request_broadcast(body: BroadcastNew) -> list[BroadcastRequest]:
        """Ask towns for their loudspeakers: nothing plays until an officer there confirms."""
        known(body.towns)
        if body.villages and len(body.towns) > 1:
            raise HTTPException(422, "villages name one town's villages: request one town at a time")
        return await asyncio.to_thread(store.request_broadcast, body, time.time())

    @router.get("/api/county/broadcasts")
    async def broadcasts(town: Annotated[str | None, Query()] = None) -> list[BroadcastRequest]:
        return await asyncio.to_thread(store.broadcasts, town)

    return router
