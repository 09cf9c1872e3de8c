"""An Open311 service request in and out: the POST's arguments as a new case, a case as a request."""

from __future__ import annotations

from typing import Any

from console.open311_format import Open311Error
from console.schemas import at
from console.text import refuse_control
from hub.cases.config import CasesConfig, Category
from hub.cases.limits import limit_of
from hub.cases.model import Case, CaseState, Kind, NewCase, Requester, Source
from hub.context import HubContext
from hub.privacy import mask_text

MAX_DESCRIPTION = 4000
CLOSED = frozenset({CaseState.CLOSED, CaseState.RATED, CaseState.REJECTED, CaseState.MERGED})


def new_request(config: CasesConfig, args: dict[str, str], client: str) -> NewCase:
    """The case a POST asks for; every missing or wrong argument is one error in the 400."""
    code = args.get("service_code", "")
    if not code:
        raise Open311Error((400, "service_code was not provided"))
    category = config.category_map().get(code)
    if category is None:
        raise Open311Error((404, f"service_code {code!r} was not found"))
    errors = [(400, f"{key}: {exc}") for key, exc in _controls(args)]
    location = _location(args, errors)
    attributes = _attributes(category, args, errors)
    description = args.get("description", "").strip()
    if len(description) > MAX_DESCRIPTION:
        errors.append((400, f"description is longer than {MAX_DESCRIPTION} characters"))
    if errors:
        raise Open311Error(*errors)
    name = (args.get("last_name", "") + args.get("first_name", "")).strip()
    phone = args.get("phone", "").strip()
    requester = Requester(name or "（未留名）", phone) if name or phone else None
    address = args.get("address_string", "") or (f"地址编号 {args['address_id']}" if args.get("address_id") else "")
    title = f"{category.name}：{address}" if address else category.name
    return NewCase(Source.OPEN311, category.id, title[:100], description or category.name, Kind.COMPLAINT,
                   requester, address, location, source_ref=f"open311:{client}", attributes=attributes,
                   media_url=args.get("media_url", "")[:500])


def _controls(args: dict[str, str]) -> list[tuple[str, ValueError]]:
    """The arguments holding a control character, each with why it is refused."""
    found = []
    for key, value in args.items():
        try:
            refuse_control(value)
        except ValueError as exc:
            found.append((key, exc))
    return found


def _location(args: dict[str, str], errors: list[tuple[int, str]]) -> tuple[float, float] | None:
    lat, lon = args.get("lat", ""), args.get("long", "")
    if not (lat or lon or args.get("address_string") or args.get("address_id")):
        errors.append((400, "a location was not provided: lat & long, address_string or address_id"))
        return None
    if not (lat or lon):
        return None
    try:
        point = (float(lon), float(lat))
    except ValueError:
        errors.append((400, "lat and long must both be given, as WGS-84 degrees"))
        return None
    if not (73 <= point[0] <= 136 and 3 <= point[1] <= 54):
        errors.append((400, "lat and long are outside the area this endpoint serves"))
        return None
    return point


def _attributes(category: Category, args: dict[str, str], errors: list[tuple[int, str]]) -> dict[str, str]:
    found: dict[str, str] = {}
    for attribute in category.attributes:
        value = args.get(f"attribute[{attribute.code}]", "").strip()
        keys = {v.key for v in attribute.values}
        if not value:
            if attribute.required:
                errors.append((400, f"attribute[{attribute.code}] was not provided ({attribute.description})"))
            continue
        if keys and not set(value.split(",")) <= keys:
            errors.append((400, f"attribute[{attribute.code}] must be one of {', '.join(sorted(keys))}"))
            continue
        found[attribute.code] = value
    return found


def listed(config: CasesConfig, case: Case) -> bool:
    """Whether GET requests shows *case*: filed through Open311, or of a category the town publishes."""
    return case.source is Source.OPEN311 or case.category in config.open311.public_categories


def request_view(ctx: HubContext, case: Case) -> dict[str, Any]:
    """A case as GET requests shows it: whole (masked) when filed through Open311, else coarsely."""
    view = _filed_view(ctx, case)
    if case.source is Source.OPEN311:
        return view
    village = next((v.name for v in ctx.town.villages if v.id == case.village), None)
    return view | {"description": view["service_name"], "status_notes": _public_notes(case), "address": village,
                   "lat": None, "long": None, "media_url": None}


def _public_notes(case: Case) -> str:
    """A state's label: a result in the unit's words may name the people it helped."""
    return "与其他诉求合并办理" if case.state is CaseState.MERGED else case.state.label


def _filed_view(ctx: HubContext, case: Case) -> dict[str, Any]:
    config = ctx.town.cases
    category = config.category_map().get(case.category)
    closed = case.state in CLOSED
    return {
        "service_request_id": str(case.id), "status": "closed" if closed else "open",
        "status_notes": _notes(case) if closed else case.state.label,
        "service_name": category.name if category else case.category, "service_code": case.category,
        "description": mask_text(case.matter), "agency_responsible": case.lead.name if case.lead else None,
        "service_notice": f"受理后{limit_of(config, case).label}内办结",
        "requested_datetime": _w3(case.created_at), "updated_datetime": _w3(case.updated_at),
        "expected_datetime": _w3(case.due_at) if case.due_at else None, "address": case.address or None,
        "address_id": None, "zipcode": None,
        "lat": case.location[1] if case.location else None, "long": case.location[0] if case.location else None,
        "media_url": case.media_url or None,
    }


def _notes(case: Case) -> str:
    if case.state is CaseState.MERGED:
        return f"与第{case.merged_into}号诉求合并办理"
    if case.state is CaseState.REJECTED:
        return "不予受理"
    return mask_text(case.result) or case.state.label


def _w3(ts: float) -> str:
    return at(ts).isoformat().replace("+00:00", "Z")
