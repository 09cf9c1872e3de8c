"""Open311 GeoReport v2 under /open311/v2: hotlines and other systems list services and file and follow requests.

Services are the case categories. POST needs an api_key from the town file (only its SHA-256 is kept there);
reading needs none, so GET lists only requests that came in through Open311 itself: cases from the desk, the
phones and alerts stay inside the centre, except those of the categories a town publishes (`open311.public_categories`,
none by default), which are listed coarsely (see `request_view`). Times are UTC; descriptions come back with phone
and ID numbers masked.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import hmac
import json
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import Response

from console.bounds import parse_id
from console.open311_format import FORMATS, Open311Error, error_response, respond
from console.open311_requests import listed, new_request, request_view
from hub.cases.config import CasesConfig, Open311
from hub.cases.lifecycle import CaseError
from hub.cases.model import Case, Source
from hub.cases.places import CaseInputError
from hub.cases.store import CaseQuery
from hub.context import HubContext

open311_router = APIRouter(prefix="/open311/v2", tags=["open311"])
MAX_DAYS = 90
MAX_REQUESTS = 1000
GROUPS = {"9": "综治9+X", "X": "本镇事项"}


def _ctx(request: Request) -> HubContext:
    ctx: HubContext = request.app.state.ctx
    return ctx


def _check(ctx: HubContext, fmt: str, args: dict[str, str]) -> None:
    if fmt not in FORMATS:
        raise Open311Error((404, f"format {fmt!r} is not served: json or xml"))
    given = args.get("jurisdiction_id")
    ours = ctx.town.cases.open311.jurisdiction_id or ctx.town.town.id
    if given and given != ours:
        raise Open311Error((404, f"jurisdiction_id {given!r} was not found; this endpoint serves {ours!r}"))


async def _answer(request: Request, fmt: str, make: Any, root: str) -> Response:
    """Run *make(ctx, args)* and answer in *fmt*, or with the GeoReport error list."""
    try:
        args = dict(request.query_params)
        _check(_ctx(request), fmt, args)
        status, data = await make(_ctx(request), args)
        return respond(fmt, root, data, status)
    except Open311Error as exc:
        return error_response(fmt, exc)


@open311_router.get("/discovery.{fmt}")
async def discovery(request: Request, fmt: str) -> Response:
    base = str(request.base_url).rstrip("/") + "/open311/v2"

    async def make(ctx: HubContext, _args: dict[str, str]) -> tuple[int, Any]:
        return 200, {"changeset": "2026-03-01T00:00:00Z", "contact": f"{ctx.town.town.name}综治中心",
                     "key_service": "api_key from the centre", "endpoints": [{
                         "specification": "http://wiki.open311.org/GeoReport_v2", "url": base,
                         "changeset": "2026-03-01T00:00:00Z", "type": "production",
                         "formats": ["application/json", "text/xml"]}]}
    return await _answer(request, fmt, make, "discovery")


@open311_router.get("/services.{fmt}")
async def services(request: Request, fmt: str) -> Response:
    """Every case category as a service."""
    async def make(ctx: HubContext, _args: dict[str, str]) -> tuple[int, Any]:
        return 200, services_of(ctx.town.cases)
    return await _answer(request, fmt, make, "services")


def services_of(config: CasesConfig) -> list[dict[str, Any]]:
    """The categories as GeoReport services."""
    return [{"service_code": c.id, "service_name": c.name, "description": c.description or c.name,
             "metadata": bool(c.attributes), "type": config.open311.response, "keywords": ", ".join(c.keywords),
             "group": GROUPS[c.module]} for c in config.category_map().values()]


@open311_router.get("/services/{service_code}.{fmt}")
async def service_definition(request: Request, service_code: str, fmt: str) -> Response:
    """A category's extra questions, as the service definition's attributes."""
    async def make(ctx: HubContext, _args: dict[str, str]) -> tuple[int, Any]:
        return 200, definition_of(ctx.town.cases, service_code)
    return await _answer(request, fmt, make, "service_definition")


def definition_of(config: CasesConfig, service_code: str) -> dict[str, Any]:
    """A category's extra questions as the service definition's attributes; Open311Error 404 if unknown."""
    category = config.category_map().get(service_code)
    if category is None:
        raise Open311Error((404, f"service_code {service_code!r} was not found"))
    return {"service_code": category.id, "attributes": [
        {"variable": True, "code": a.code, "datatype": a.datatype, "required": a.required,
         "datatype_description": None, "order": i, "description": a.description,
         "values": [{"key": v.key, "name": v.name} for v in a.values]}
        for i, a in enumerate(category.attributes, 1)]}


@open311_router.post("/requests.{fmt}", status_code=201)
async def post_request(request: Request, fmt: str) -> Response:
    """File a service request: a case received from the client the api_key names."""
    async def make(ctx: HubContext, query: dict[str, str]) -> tuple[int, Any]:
        args = query | await form_args(request)
        _check(ctx, fmt, args)
        client = client_of(ctx.town.cases.open311, args.get("api_key", ""))
        new = new_request(ctx.town.cases, args, client)
        try:
            case, token, _ = await ctx.cases.receive(new, f"Open311 {client}", with_token=True)
        except (CaseInputError, CaseError) as exc:
            raise Open311Error((400, str(exc))) from None
        notice = request_view(ctx, case)["service_notice"]
        answer: dict[str, Any] = {"service_notice": notice, "account_id": args.get("account_id") or None}
        if ctx.town.cases.open311.response == "batch":
            return 201, [{"token": token, **answer}]
        return 201, [{"service_request_id": str(case.id), **answer}]
    return await _answer(request, fmt, make, "service_requests")


async def form_args(request: Request) -> dict[str, str]:
    """The POST body: urlencoded as the spec says (JSON accepted too); repeated attribute[x][] values joined."""
    raw = await request.body()
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            raise Open311Error((400, "the body is not JSON")) from None
        if not isinstance(data, dict):
            raise Open311Error((400, "the body is not a JSON object"))
        return {str(k): ",".join(map(str, v)) if isinstance(v, list) else str(v) for k, v in data.items()}
    out: dict[str, str] = {}
    for key, value in parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True):
        name = key.removesuffix("[]")
        out[name] = f"{out[name]},{value}" if key.endswith("[]") and name in out else value
    return out


def client_of(config: Open311, key: str) -> str:
    """The client an api_key belongs to; 400 without one, 403 for a wrong one."""
    if not key:
        raise Open311Error((400, "api_key was not provided"))
    digest = hashlib.sha256(key.encode()).hexdigest()
    for known in config.api_keys:
        if hmac.compare_digest(known.sha256, digest):
            return known.client
    raise Open311Error((403, "api_key is not valid"))


@open311_router.get("/requests.{fmt}")
async def get_requests(request: Request, fmt: str) -> Response:
    """Requests filed through Open311: by ids (which overrides the rest), or by service, dates and status."""
    async def make(ctx: HubContext, args: dict[str, str]) -> tuple[int, Any]:
        ids = [parse_id(i.strip()) for i in args.get("service_request_id", "").split(",") if i.strip()]
        numbers = tuple(i for i in ids if i is not None)
        if len(numbers) < len(ids):
            raise Open311Error((400, "service_request_id is a comma-separated list of case numbers"))
        query = CaseQuery(ids=numbers, limit=MAX_REQUESTS) if ids else _search(args, ctx.clock())
        found = await asyncio.to_thread(_find, ctx, query)
        statuses = {s.strip() for s in args.get("status", "").split(",") if s.strip()}
        if statuses - {"open", "closed"}:
            raise Open311Error((400, "status is open or closed"))
        views = [request_view(ctx, c) for c in found]
        return 200, [v for v in views if ids or not statuses or v["status"] in statuses]
    return await _answer(request, fmt, make, "service_requests")


def _find(ctx: HubContext, query: CaseQuery) -> list[Case]:
    """The cases *query* asks for that GET may show, newest first: filed through Open311, or published."""
    config = ctx.town.cases
    if query.ids:
        return [c for c in ctx.cases.store.find(query) if listed(config, c)]
    public = tuple(c for c in config.open311.public_categories if not query.category or c in query.category)
    found = ctx.cases.store.find(dataclasses.replace(query, source=Source.OPEN311))
    if public:
        found += ctx.cases.store.find(dataclasses.replace(query, category=public))
    return sorted({c.id: c for c in found}.values(), key=lambda c: -c.id)[:MAX_REQUESTS]


def _search(args: dict[str, str], now: float) -> CaseQuery:
    end = _w3(args, "end_date") or now
    start = _w3(args, "start_date") or end - MAX_DAYS * 86400
    if end - start > MAX_DAYS * 86400 + 1:
        raise Open311Error((400, f"start_date to end_date may not span more than {MAX_DAYS} days"))
    codes = tuple(c.strip() for c in args.get("service_code", "").split(",") if c.strip())
    return CaseQuery(category=codes, since=start, until=end + 1, limit=MAX_REQUESTS)


def _w3(args: dict[str, str], name: str) -> float | None:
    text = args.get(name)
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        when = None
    if when is None or when.utcoffset() is None:
        raise Open311Error((400, f"{name} must be a w3 date and time with its offset, e.g. 2026-03-01T00:00:00Z"))
    return when.timestamp()


@open311_router.get("/requests/{service_request_id}.{fmt}")
async def get_request(request: Request, service_request_id: str, fmt: str) -> Response:
    async def make(ctx: HubContext, _args: dict[str, str]) -> tuple[int, Any]:
        number = parse_id(service_request_id)
        case = await ctx.cases.get(number) if number is not None else None
        if case is None or not listed(ctx.town.cases, case):
            raise Open311Error((404, f"service_request_id {service_request_id!r} was not found"))
        return 200, [request_view(ctx, case)]
    return await _answer(request, fmt, make, "service_requests")


@open311_router.get("/tokens/{token}.{fmt}")
async def get_token(request: Request, token: str, fmt: str) -> Response:
    async def make(ctx: HubContext, _args: dict[str, str]) -> tuple[int, Any]:
        case_id = await asyncio.to_thread(ctx.cases.store.case_of_token, token)
        if case_id is None:
            raise Open311Error((404, f"token {token!r} was not found"))
        return 200, [{"service_request_id": str(case_id), "token": token}]
    return await _answer(request, fmt, make, "service_requests")
