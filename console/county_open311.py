"""Open311 GeoReport v2 on the county hub's view (/open311/v2): the 12345 hotline and other systems file requests
that become county cases, to be routed to a town; the town's code reads the arguments and writes the answers.

Services are the built-in case categories (the towns' defaults). POST needs an api_key from the county file's
`intake.open311`; reading needs none and lists only requests filed through Open311, descriptions masked, with the
town that has it as agency_responsible.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from console.open311 import client_of, definition_of, form_args, services_of
from console.open311_format import FORMATS, Open311Error, error_response, respond
from console.open311_requests import new_request
from hub.cases.config import CasesConfig
from hub.county.config import County
from hub.county.intake import CountyIntake, IntakeCase, IntakeNew, IntakeState
from hub.privacy import mask_text

OPEN311 = "Open311 "  # a county case's source: Open311 <client>
NOTES = {IntakeState.RECEIVED: "县级平台已接收，待分派", IntakeState.ROUTED: "已转派乡镇，待乡镇受理",
         IntakeState.SENT_BACK: "乡镇退回，县级平台重新分派中", IntakeState.ACCEPTED: "乡镇已受理，办理中",
         IntakeState.CLOSED: "已办结"}
Make = Callable[[dict[str, str]], Awaitable[tuple[int, Any]]]


def county_open311_router(county: County, intake: CountyIntake) -> APIRouter:
    router = APIRouter(prefix="/open311/v2", tags=["open311"])
    config = CasesConfig(open311=county.intake.open311)
    towns = {t.id: t.name for t in county.towns}
    ours = config.open311.jurisdiction_id or county.county.id

    def check(args: dict[str, str]) -> None:
        given = args.get("jurisdiction_id")
        if given and given != ours:
            raise Open311Error((404, f"jurisdiction_id {given!r} was not found; this endpoint serves {ours!r}"))

    async def answer(request: Request, fmt: str, root: str, make: Make) -> Response:
        try:
            args = dict(request.query_params)
            if fmt not in FORMATS:
                raise Open311Error((404, f"format {fmt!r} is not served: json or xml"))
            check(args)
            status, data = await make(args)
            return respond(fmt, root, data, status)
        except Open311Error as exc:
            return error_response(fmt, exc)

    def view(case: IntakeCase) -> dict[str, Any]:
        category = config.category_map().get(case.category)
        return {"service_request_id": str(case.id), "status": "closed" if case.state is IntakeState.CLOSED else "open",
                "status_notes": NOTES[case.state], "service_name": category.name if category else case.category,
                "service_code": case.category, "description": mask_text(case.matter),
                "agency_responsible": towns.get(case.town or "") if case.state is not IntakeState.SENT_BACK else None,
                "requested_datetime": _w3(case.received_at), "updated_datetime": _w3(case.updated_at),
                "expected_datetime": _w3(case.due_at) if case.due_at else None, "address": case.address or None,
                "lat": case.location[1] if case.location else None,
                "long": case.location[0] if case.location else None}

    @router.get("/services.{fmt}")
    async def services(request: Request, fmt: str) -> Response:
        async def make(_args: dict[str, str]) -> tuple[int, Any]:
            return 200, services_of(config)
        return await answer(request, fmt, "services", make)

    @router.get("/services/{service_code}.{fmt}")
    async def service(request: Request, service_code: str, fmt: str) -> Response:
        async def make(_args: dict[str, str]) -> tuple[int, Any]:
            return 200, definition_of(config, service_code)
        return await answer(request, fmt, "service_definition", make)

    @router.post("/requests.{fmt}", status_code=201)
    async def post_request(request: Request, fmt: str) -> Response:
        """File a request: a county case, received from the client the api_key names, waiting to be routed."""
        async def make(query: dict[str, str]) -> tuple[int, Any]:
            args = query | await form_args(request)
            check(args)
            client = client_of(config.open311, args.get("api_key", ""))
            new = new_request(config, args, client)
            who = new.requester
            case = await asyncio.to_thread(intake.take, IntakeNew(
                source=OPEN311 + client, category=new.category, case_kind=new.kind.value, title=new.title,
                matter=new.matter, requester_name=who.name if who else "", requester_phone=who.phone if who else "",
                address=new.address, location=new.location, attributes=new.attributes,
                received_by=OPEN311 + client), time.time())
            made: dict[str, Any] = {"service_notice": NOTES[case.state], "account_id": args.get("account_id") or None}
            return 201, [{"service_request_id": str(case.id), **made}]
        return await answer(request, fmt, "service_requests", make)

    @router.get("/requests/{service_request_id}.{fmt}")
    async def get_request(request: Request, service_request_id: str, fmt: str) -> Response:
        async def make(_args: dict[str, str]) -> tuple[int, Any]:
            try:
                case, _ = await asyncio.to_thread(intake.case, int(service_request_id))
            except (KeyError, ValueError):
                case = None
            if case is None or not case.source.startswith(OPEN311):
                raise Open311Error((404, f"service_request_id {service_request_id!r} was not found"))
            return 200, [view(case)]
        return await answer(request, fmt, "service_requests", make)

    @router.get("/requests.{fmt}")
    async def get_requests(request: Request, fmt: str) -> Response:
        """Requests filed through Open311, newest first; by ids, or all (the county's are few)."""
        async def make(args: dict[str, str]) -> tuple[int, Any]:
            ids = {i.strip() for i in args.get("service_request_id", "").split(",") if i.strip()}
            found = [c for c in await asyncio.to_thread(intake.cases) if c.source.startswith(OPEN311)]
            return 200, [view(c) for c in found if not ids or str(c.id) in ids][:1000]
        return await answer(request, fmt, "service_requests", make)

    return router


def _w3(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")
