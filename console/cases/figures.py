"""Case figures for the big screen and the API, and exports of figures and case lists to CSV and XLSX."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import Response
from openpyxl import Workbook
from pydantic import BaseModel

from console.auth import Watcher
from console.cases.records import SOURCE_LABELS
from console.deps import Ctx
from console.text import cell
from hub.cases.figures import By, Period, Tally, tally
from hub.cases.model import Case
from hub.cases.store import CaseQuery
from hub.context import HubContext
from hub.privacy import mask_text
from hub.users.model import Principal

figures_router = APIRouter(tags=["cases"])
MAX_CASES = 100_000
DEFAULT_DAYS = 30
Format = Literal["csv", "xlsx"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIGURE_HEADER = ["时段", "分组", "名称", "受理总数", "办理中", "已办结", "超期", "按期办结", "按期率", "不予受理",
                 "合并", "满意度"]
CASE_HEADER = ["编号", "接收时间", "来源", "类别", "诉求类型", "标题", "状态", "村（社区）", "网格", "牵头单位",
               "办理时限", "办结时间", "超期", "满意度"]


class FigureRow(BaseModel):
    period: str
    key: str
    name: str
    received: int
    in_progress: int
    handled: int
    overdue: int
    on_time: int
    on_time_rate: float | None
    rejected: int
    merged: int
    satisfaction: float | None


class Figures(BaseModel):
    by: str
    period: str
    since: datetime
    until: datetime
    rows: list[FigureRow]
    total: FigureRow


FormatQuery = Annotated[Format, Query(alias="format", description="xlsx or csv")]
Since = Annotated[datetime | None, Query(description=f"received at or after; default {DEFAULT_DAYS} days back")]
Until = Annotated[datetime | None, Query(description="received before; default now")]


async def _cases(ctx: HubContext, principal: Principal, since: datetime | None, until: datetime | None,
                 village: str | None) -> tuple[list[Case], float, float]:
    """The cases received in the range that the principal may count (a cadre: their village's)."""
    if not principal.is_staff:
        if village not in (None, principal.village):
            raise HTTPException(403, "outside your village")
        village = principal.village
    end = until.timestamp() if until else ctx.clock()
    start = since.timestamp() if since else end - DEFAULT_DAYS * 86400
    if start >= end:
        raise HTTPException(422, "since must be before until")
    query = CaseQuery(village=village, since=start, until=end, limit=MAX_CASES)
    return await asyncio.to_thread(ctx.cases.store.find, query), start, end


def _names(ctx: HubContext, by: By) -> dict[str, str]:
    town, config = ctx.town, ctx.town.cases
    if by == "category":
        return {c.id: c.name for c in config.category_map().values()}
    if by == "village":
        return {v.id: v.name for v in town.villages}
    if by == "grid":
        return {g.id: g.name for g in town.grids().values()}
    if by == "source":
        return {s.value: n for s, n in SOURCE_LABELS.items()}
    return {"all": "全部"}


def _row(t: Tally, names: dict[str, str]) -> FigureRow:
    return FigureRow(period=t.period, key=t.key, name=names.get(t.key, t.key or "（未定位）"), received=t.received,
                     in_progress=t.in_progress, handled=t.handled, overdue=t.overdue, on_time=t.on_time,
                     on_time_rate=t.on_time_rate, rejected=t.rejected, merged=t.merged, satisfaction=t.satisfaction)


@figures_router.get("/api/case-figures")
async def figures(ctx: Ctx, principal: Watcher, by: By = "all", period: Period = "all", since: Since = None,
                  until: Until = None, village: str | None = None) -> Figures:
    """Received, in progress, handled, overdue, on time (and the rate), by source, category, grid or village,
    per day, ISO week or month; each case counted in the period it was received."""
    cases, start, end = await _cases(ctx, principal, since, until, village)
    now, tz, names = ctx.clock(), ctx.cases.book.calendar.tz, _names(ctx, by)
    rows = [_row(t, names) for t in tally(cases, now, tz, by, period)]
    [total] = tally(cases, now, tz) or [Tally("all", "all")]
    return Figures(by=by, period=period, since=datetime.fromtimestamp(start, tz),
                   until=datetime.fromtimestamp(end, tz), rows=rows, total=_row(total, {"all": "合计"}))


@figures_router.get("/api/case-figures/export")
async def export_figures(ctx: Ctx, principal: Watcher, fmt: FormatQuery = "xlsx", by: By = "category",
                         period: Period = "month", since: Since = None, until: Until = None,
                         village: str | None = None) -> Response:
    """The figures as a spreadsheet (XLSX) or CSV (UTF-8 with a BOM, so Excel reads the Chinese)."""
    found = await figures(ctx, principal, by, period, since, until, village)
    rows = [[r.period, r.key, r.name, r.received, r.in_progress, r.handled, r.overdue, r.on_time,
             r.on_time_rate, r.rejected, r.merged, r.satisfaction] for r in [*found.rows, found.total]]
    return await _file(fmt, "案件统计", FIGURE_HEADER, rows)


@figures_router.get("/api/case-export")
async def export_cases(ctx: Ctx, principal: Watcher, fmt: FormatQuery = "xlsx", since: Since = None,
                       until: Until = None, village: str | None = None) -> Response:
    """The cases received in the range, one row each, without personal data."""
    cases, _, _ = await _cases(ctx, principal, since, until, village)
    categories = _names(ctx, "category")
    tz, now = ctx.cases.book.calendar.tz, ctx.clock()

    def local(ts: float | None) -> str:
        return datetime.fromtimestamp(ts, tz).strftime("%Y-%m-%d %H:%M") if ts is not None else ""

    rows = [[c.number, local(c.created_at), c.source.value, categories.get(c.category, c.category), c.kind.value,
             mask_text(c.title), c.state.label, c.village or "", c.grid or "", c.lead.name if c.lead else "",
             local(c.due_at), local(c.handled_at), "是" if c.overdue(now) else "", c.rating or ""]
            for c in sorted(cases, key=lambda c: c.id)]
    return await _file(fmt, "案件清单", CASE_HEADER, rows)


async def _file(fmt: Format, title: str, header: list[str], rows: Sequence[Sequence[object]]) -> Response:
    stamp = f"{datetime.now():%Y%m%d}"
    rows = [[cell(value) for value in row] for row in rows]  # also rows stored before text was checked on entry
    if fmt == "csv":
        text = io.StringIO()
        csv.writer(text).writerows([header, *rows])
        return Response(("\ufeff" + text.getvalue()).encode(), media_type="text/csv; charset=utf-8",
                        headers=_attachment(f"{title}-{stamp}.csv"))
    body = await asyncio.to_thread(_xlsx, title, header, rows)
    return Response(body, media_type=XLSX, headers=_attachment(f"{title}-{stamp}.xlsx"))


def _xlsx(title: str, header: list[str], rows: Sequence[Sequence[object]]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    for row in [header, *rows]:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"}
