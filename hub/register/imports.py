"""Importing the town's sheets: a dry run that lists every problem by row and column, and a commit of the good rows.

Importing a file again changes nothing: a record already kept under its key (a person by the digest of their ID
number, a house by its number, an organisation by its code) with the same fields is counted unchanged, and one
kept with other fields is a problem to settle by hand, never overwritten.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from hub.register.model import Fields, House, HouseFields, Household, OrganisationFields, PersonFields
from hub.register.service import RegisterError, RegisterService
from hub.register.sheets import SHEETS, Column, header_map, read_rows, write_xlsx
from hub.register.views import opened, opened_organisation, seal, seal_organisation
from hub.users.model import Principal

BATCH = 5000
MODELS: dict[str, type[Fields]] = {"people": PersonFields, "houses": HouseFields, "organisations": OrganisationFields}
_TYPE_REASONS = {"missing": "必填项缺失", "string_too_long": "内容过长", "string_too_short": "不能为空",
                 "string_pattern_mismatch": "格式不正确", "greater_than_equal": "数值过小",
                 "less_than_equal": "数值过大"}


class ImportProblem(BaseModel):
    row: int
    column: str
    reason: str


class ImportReport(BaseModel):
    """What a dry run found, or what a commit did."""

    kind: str
    rows: int = 0
    added: int = 0
    unchanged: int = 0
    rejected: int = 0
    problems: list[ImportProblem] = []
    committed: bool = False


@dataclass
class Checked:
    """A checked file: its report, the rows to add, and the rejected rows with their reasons."""

    report: ImportReport
    header: list[str]
    good: list[Fields] = field(default_factory=list)
    rejected: list[tuple[list[str], list[str]]] = field(default_factory=list)


@dataclass
class _Row:
    number: int
    cells: list[str]
    fields: Fields | None = None


def check(service: RegisterService, principal: Principal, kind: str, data: bytes, filename: str) -> Checked:
    """Every problem of the file, by row and column, in Chinese; nothing is written."""
    _, columns = SHEETS[kind]
    rows = iter(read_rows(data, filename))
    header = next(rows, [])
    mapping, missing = header_map(header, columns)
    checked = Checked(ImportReport(kind=kind), header)
    problems: dict[int, list[ImportProblem]] = defaultdict(list)
    for column in missing:
        problems[1].append(ImportProblem(row=1, column=column, reason="缺少此列"))
    parsed = [] if missing else [_parse(service, principal, kind, _Row(n, cells), mapping, problems)
                                 for n, cells in enumerate(rows, start=2) if any(cells)]
    checked.report.rows = len(parsed)
    _duplicates(service, kind, [r for r in parsed if r.fields is not None], problems)
    for row in parsed:
        if row.number in problems:
            checked.rejected.append((row.cells, [f"{p.column}：{p.reason}" for p in problems[row.number]]))
        elif row.fields is not None:
            checked.good.append(row.fields)
    checked.report.problems = [p for n in sorted(problems) for p in problems[n]]
    checked.report.rejected = len(checked.rejected)
    return checked


def _parse(service: RegisterService, principal: Principal, kind: str, row: _Row, mapping: dict[int, Column],
           problems: dict[int, list[ImportProblem]]) -> _Row:
    values: dict[str, Any] = {}
    found = problems[row.number]
    for index, column in mapping.items():
        text = row.cells[index] if index < len(row.cells) else ""
        if not text:
            if column.required:
                found.append(ImportProblem(row=row.number, column=column.header, reason="必填项缺失"))
            continue
        try:
            values[column.field] = column.parse(text)
        except ValueError as exc:
            found.append(ImportProblem(row=row.number, column=column.header, reason=str(exc)))
    if not found:
        row.fields = _validated(kind, values, row.number, mapping, found)
    if row.fields is not None:
        try:
            service.check_grid(principal, values["grid"])
        except RegisterError as exc:
            found.append(ImportProblem(row=row.number, column="网格", reason=str(exc)))
    if not found:
        del problems[row.number]
    return row


def _validated(kind: str, values: dict[str, Any], number: int, mapping: dict[int, Column],
               found: list[ImportProblem]) -> Fields | None:
    model = MODELS[kind]
    headers = {c.field: c.header for c in mapping.values()}
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        for error in exc.errors():
            where = str(error["loc"][0]) if error["loc"] else ""
            reason = _TYPE_REASONS.get(error["type"], str(error["msg"]).removeprefix("Value error, "))
            if not where:  # the model's own checks: the ID number and its agreement with the sex
                where = "sex" if reason.startswith("性别") else "id_number"
            found.append(ImportProblem(row=number, column=headers.get(where, where), reason=reason))
    return None


Problems = dict[int, list[ImportProblem]]


def _duplicates(service: RegisterService, kind: str, rows: list[_Row], problems: Problems) -> None:
    """Rows that share a key within the file, or whose key is kept with other fields."""
    key_of, column, kept = _keys(service, kind)
    by_key: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        assert row.fields is not None
        by_key[key_of(row.fields)].append(row.number)
    for numbers in by_key.values():
        for n in numbers if len(numbers) > 1 else ():
            others = "、".join(str(m) for m in numbers if m != n)
            problems[n].append(ImportProblem(row=n, column=column, reason=f"文件中重复（第{others}行）"))
    existing = kept(list(by_key))
    for row in rows:
        assert row.fields is not None
        same = existing.get(key_of(row.fields))
        if same is not None and same != row.fields.model_dump(mode="json"):
            problems[row.number].append(ImportProblem(row=row.number, column=column,
                                                      reason="已在登记册中，且内容与本行不同"))
        elif same is not None:
            row.fields = None  # kept already, just so: unchanged


Kept = Callable[[list[str]], dict[str, Any]]


def _keys(service: RegisterService, kind: str) -> tuple[Callable[[Any], str], str, Kept]:
    """How rows of *kind* are keyed, the column the key is in, and what the register keeps under those keys."""
    if kind == "people":
        def people(digests: list[str]) -> dict[str, Any]:
            found = service.store.people_by_digest(digests)
            return {d: opened(service.cipher, p).model_dump(mode="json") for d, p in found.items()}
        return (lambda f: service.cipher.digest("id", f.id_number)), "身份证号", people

    if kind == "organisations":
        def organisations(codes: list[str]) -> dict[str, Any]:
            found = service.store.organisations_by_code(codes)
            return {c: opened_organisation(service.cipher, o).model_dump(mode="json") for c, o in found.items()}
        return (lambda f: f.code), "组织编码", organisations

    def houses(numbers: list[str]) -> dict[str, Any]:
        found = service.store.houses_by_number(numbers)
        return {n: h.model_dump(mode="json", exclude={"updated"}) for n, h in found.items()}
    return (lambda f: f.number), "房屋编号", houses


def commit(service: RegisterService, principal: Principal, checked: Checked) -> ImportReport:
    """Add the good rows; the report of what was done."""
    report = checked.report
    now = service.clock()
    added = 0
    for start in range(0, len(checked.good), BATCH):
        batch = checked.good[start:start + BATCH]
        if report.kind == "people":
            added += add_people(service, [f for f in batch if isinstance(f, PersonFields)], principal.actor, now)
        elif report.kind == "organisations":
            orgs = [seal_organisation(service.cipher, f, now) for f in batch if isinstance(f, OrganisationFields)]
            added += service.store.add_organisations(orgs, principal.actor, now)
        else:
            houses = [House(**f.model_dump(), updated=now) for f in batch]
            added += service.store.add_houses(houses, principal.actor, now)
    unchanged = report.rows - report.rejected - len(checked.good)
    return report.model_copy(update={"added": added, "unchanged": unchanged, "committed": True})


def add_people(service: RegisterService, fields: list[PersonFields], actor: str, now: float) -> int:
    """Seal and keep new people, with the households they name; how many were added."""
    people = [seal(service.cipher, f, now) for f in fields]
    homes = [Household(number=p.household, grid=p.grid, address=p.address, updated=now) for p in people if p.household]
    return service.store.add_people(people, homes, actor, now)


def dry_run(checked: Checked) -> ImportReport:
    """The report of a check, with the rows it would add and those already kept counted."""
    report = checked.report
    return report.model_copy(update={"added": len(checked.good),
                                     "unchanged": report.rows - report.rejected - len(checked.good)})


def rejected_xlsx(checked: Checked) -> bytes:
    """The rejected rows as they came, each with its reasons in a last column, to correct and import again."""
    title, _ = SHEETS[checked.report.kind]
    rows = [[*cells, "；".join(reasons)] for cells, reasons in checked.rejected]
    if any(p.row == 1 for p in checked.report.problems):
        missing = "；".join(f"{p.column}：{p.reason}" for p in checked.report.problems if p.row == 1)
        rows.insert(0, ["（表头）", missing])
    return write_xlsx(f"{title}-未导入", [*checked.header, "问题"], rows)
