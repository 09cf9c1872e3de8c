"""REST under /api/register: each caller sees their scope (grid, village or town); reads of a full record and
exports are written to the audit log with the changes the middleware records."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Literal, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError

from console.auth import role_in
from console.deps import Ctx
from console.register.schemas import HouseDetail, HouseholdDetail, PersonEdit
from hub.register.exports import export
from hub.register.imports import ImportReport, check, commit, dry_run, rejected_xlsx
from hub.register.model import (
    House,
    HouseFields,
    KeyGroupEdit,
    KeyGroupEntry,
    KeyGroupFields,
    OrganisationFields,
    PersonFields,
)
from hub.register.service import NotFound, OutOfScope, RegisterError, RegisterService
from hub.register.sheets import XLSX, SheetError, template
from hub.register.views import KeyGroupListed, OrganisationView, PersonRecord, PersonView, RegisterAccess
from hub.users.model import AuditEntry, Principal, Role

register_router = APIRouter(tags=["register"])
Reader = Annotated[Principal, role_in(Role.admin, Role.officer, Role.cadre, Role.grid_worker)]
Kind = Literal["people", "houses", "organisations"]
MAX_UPLOAD = 64 * 1024 * 1024
KEY = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"  # grids, household and house numbers, organisation codes
Key = Annotated[str, Query(pattern=KEY)]
RecordKey = Annotated[str, Path(pattern=KEY)]
T = TypeVar("T")


def get_register(request: Request) -> RegisterService:
    register: RegisterService | None = request.app.state.ctx.register
    if register is None:
        raise HTTPException(503, "登记册未启用：未设置密钥 GRIDHUB_REGISTER_KEY")
    return register


Register = Annotated[RegisterService, Depends(get_register)]


async def refused(work: Awaitable[T]) -> T:
    """Awaits *work*; the register's refusals (not found, out of scope, refused) as HTTP answers with their
    Chinese reasons. Grid work, which stands on the register, answers the same way."""
    try:
        return await work
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None
    except OutOfScope as exc:
        raise HTTPException(403, str(exc)) from None
    except RegisterError as exc:
        raise HTTPException(422, str(exc)) from None


async def run(work: Callable[..., T], *args: object) -> T:
    """*work* in a worker thread, its refusals (a sheet's and a record's too) as HTTP answers."""
    try:
        return await refused(asyncio.to_thread(work, *args))
    except SheetError as exc:
        raise HTTPException(422, str(exc)) from None
    except ValidationError as exc:
        raise HTTPException(422, [e["msg"] for e in exc.errors()]) from None


async def audited(ctx: Ctx, request: Request, principal: Principal, detail: str, status: int = 200) -> None:
    """A read of personal data in the audit log, as the middleware logs changes."""
    client = request.client
    await ctx.users.record(AuditEntry(ts=time.time(), username=principal.username, role=principal.role,
                                      action=f"GET {request.scope['route'].path}", target=request.url.path,
                                      status=status, ip=client.host if client else "unknown", detail=detail))


def key_group_reader(register: Register, principal: Reader) -> Principal:
    """Refuse, before anything else, a role the town file does not name for key groups."""
    if principal.role not in register.config.key_group_readers:
        raise HTTPException(403, "重点人群仅限镇上指定的角色查阅")
    return principal


KeyGroupReader = Annotated[Principal, Depends(key_group_reader)]


@register_router.get("/api/register/access")
async def access(register: Register, principal: Reader) -> RegisterAccess:
    """What the caller's role may do here, as the town file says (the register's page shows only that)."""
    return register.access(principal)


@register_router.get("/api/register/people")
async def people(register: Register, principal: Reader,
                 q: Annotated[str, Query(max_length=40, pattern=r"^[^\x00-\x1f]*$",
                                         description="name (its start), last 4 of the ID, the whole ID, or a phone")]
                 = "", grid: Key | None = None, household: Key | None = None, house: Key | None = None,
                 after: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
                 limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[PersonView]:
    """People in the caller's scope, ID numbers and phones masked."""
    return await run(lambda: register.search(principal, q, grid, household, house, after, limit))


@register_router.get("/api/register/people/{person_id}")
async def person(ctx: Ctx, request: Request, register: Register, principal: Reader,
                 person_id: Annotated[int, Path(ge=1, le=2**31 - 1)]) -> PersonRecord:
    """One person's full record and its history; in full for the roles the town file names. Audited."""
    try:
        record = await run(register.record, principal, person_id)
    except HTTPException as refused:  # a try at someone out of scope is worth as much notice as a read
        await audited(ctx, request, principal, f"完整记录：{refused.detail}", refused.status_code)
        raise
    await audited(ctx, request, principal, "完整记录" + ("（已脱敏）" if record.person.masked else "（明文）"))
    return record


@register_router.post("/api/register/people", status_code=201)
async def add_person(register: Register, principal: Reader, body: PersonFields) -> PersonView:
    """Register a person in the caller's scope."""
    return await run(register.create_person, principal, body)


@register_router.patch("/api/register/people/{person_id}")
async def edit_person(register: Register, principal: Reader, person_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
                      body: PersonEdit) -> PersonView:
    """Change some of a person's fields; the change is kept in their history."""
    return await run(register.edit_person, principal, person_id, body.model_dump(exclude_unset=True))


@register_router.get("/api/register/households/{number}")
async def household(register: Register, principal: Reader, number: RecordKey) -> HouseholdDetail:
    """A household (户) with its people."""
    found, members = await run(register.household, principal, number)
    return HouseholdDetail(household=found, members=members)


@register_router.get("/api/register/houses")
async def houses(register: Register, principal: Reader, commercial_selfbuilt: bool | None = None,
                 after: Annotated[str, Query(pattern=r"^[A-Za-z0-9_.-]{0,64}$")] = "",
                 limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[House]:
    """Houses in the caller's scope, optionally only the commercial self-built ones (经营性自建房)."""
    return await run(register.houses, principal, commercial_selfbuilt, after, limit)


@register_router.get("/api/register/houses/{number}")
async def house(register: Register, principal: Reader, number: RecordKey) -> HouseDetail:
    """A house with its occupants."""
    found, occupants = await run(register.house, principal, number)
    return HouseDetail(house=found, occupants=occupants)


@register_router.put("/api/register/houses/{number}")
async def save_house(register: Register, principal: Reader, number: RecordKey, body: HouseFields) -> House:
    """Add or change a house; the change is kept in its history."""
    _addressed(body.number, number)
    return await run(register.save_house, principal, body)


@register_router.get("/api/register/organisations")
async def organisations(register: Register, principal: Reader) -> list[OrganisationView]:
    """Units and 两新组织 in the caller's scope."""
    return await run(register.organisations, principal)


@register_router.get("/api/register/organisations/{code}")
async def organisation(ctx: Ctx, request: Request, register: Register, principal: Reader,
                       code: RecordKey) -> OrganisationView:
    """One unit or 两新组织 with its contact's phone (in full for the roles the town file names). Audited."""
    found = await run(register.organisation, principal, code)
    await audited(ctx, request, principal, "组织完整记录")
    return found


@register_router.put("/api/register/organisations/{code}")
async def save_organisation(register: Register, principal: Reader, code: RecordKey,
                            body: OrganisationFields) -> OrganisationView:
    """Add or change a unit or 两新组织; the change is kept in its history."""
    _addressed(body.code, code)
    return await run(register.save_organisation, principal, body)


@register_router.get("/api/register/key-groups")
async def key_groups(register: Register, principal: KeyGroupReader) -> list[KeyGroupListed]:
    """Key groups (特殊人群, 重点青少年) in scope, with the person's name: only for the roles the town file names."""
    return await run(register.key_groups, principal)


@register_router.post("/api/register/key-groups", status_code=201)
async def add_key_group(register: Register, principal: KeyGroupReader, body: KeyGroupFields) -> KeyGroupEntry:
    """Record that a person in scope is in a key group; kept in the history."""
    return await run(register.add_key_group, principal, body)


@register_router.patch("/api/register/key-groups/{entry_id}")
async def edit_key_group(register: Register, principal: KeyGroupReader,
                         entry_id: Annotated[int, Path(ge=1, le=2**31 - 1)], body: KeyGroupEdit) -> KeyGroupEntry:
    """Change a key group entry, or end it (`{"ended": "2026-12-01"}`); kept in the history."""
    return await run(register.edit_key_group, principal, entry_id, body)


@register_router.get("/api/register/templates/{kind}.xlsx")
async def sheet_template(principal: Reader, kind: Kind) -> Response:
    """An empty sheet to fill in, with Chinese headers (* required) and what each column takes."""
    return _file(template(kind), XLSX, f"{kind}-template.xlsx")


@register_router.post("/api/register/imports/{kind}", response_model=None)
async def import_sheet(request: Request, register: Register, principal: Reader, kind: Kind,
                       filename: Annotated[str, Query(pattern=r"(?i)^[^/\\]{1,200}\.(xlsx|csv)$")],
                       commit_rows: Annotated[bool, Query(alias="commit")] = False) -> ImportReport | Response:
    """The file as the body. Dry run (default): every problem by row and column. Commit: the good rows are added,
    and the answer is an XLSX of the rejected rows with their reasons (counts in X-Register-* headers)."""
    if int(request.headers.get("content-length") or 0) > MAX_UPLOAD:
        raise HTTPException(413, "文件过大")
    data = await request.body()
    if len(data) > MAX_UPLOAD:
        raise HTTPException(413, "文件过大")
    checked = await run(check, register, principal, kind, data, filename)
    if not commit_rows:
        return dry_run(checked)
    report = await run(commit, register, principal, checked)
    counts = {f"X-Register-{k.title()}": str(getattr(report, k)) for k in ("rows", "added", "unchanged", "rejected")}
    return _file(await asyncio.to_thread(rejected_xlsx, checked), XLSX, f"{kind}-rejected.xlsx", counts)


@register_router.get("/api/register/exports/{kind}.{fmt}")
async def export_sheet(ctx: Ctx, request: Request, register: Register, principal: Reader, kind: Kind,
                       fmt: Literal["xlsx", "csv"]) -> Response:
    """The register of the caller's scope as the import reads it; masked unless the town file names the role.
    Audited."""
    data, count = await run(export, register, principal, kind, fmt)
    await audited(ctx, request, principal, f"导出 {count} 条")
    return _file(data, XLSX if fmt == "xlsx" else "text/csv; charset=utf-8", f"{kind}.{fmt}")


def _addressed(in_body: str, in_path: str) -> None:
    if in_body != in_path:
        raise HTTPException(422, f"编号 {in_body} 与请求路径中的 {in_path} 不符")


def _file(data: bytes, media: str, name: str, headers: dict[str, str] | None = None) -> Response:
    return Response(data, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{name}"', **(headers or {})})
