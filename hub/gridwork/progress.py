"""A campaign's progress by grid and village (inspected of total, hazards found and put right, overdue), and the
county's XLSX report of it."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.styles import Font
from pydantic import BaseModel

from hub.gridwork.model import Campaign, Grade, Target, TargetState


class Figures(BaseModel):
    """One grid's, one village's or the town's figures."""

    grid: str | None = None
    village: str | None = None
    total: int = 0
    inspected: int = 0
    hazards: int = 0  # houses where any inspection found a hazard
    major: int = 0
    rectified: int = 0  # hazards closed by a re-inspection
    overdue: int = 0  # ordered, past their deadline, not closed

    def add(self, target: Target, today: dt.date) -> None:
        self.total += 1
        self.inspected += target.state is not TargetState.pending
        self.hazards += target.worst in (Grade.ordinary, Grade.major)
        self.major += target.worst is Grade.major
        self.rectified += target.state is TargetState.closed
        self.overdue += target.overdue(today)


class Progress(BaseModel):
    campaign: Campaign
    day: dt.date
    town: Figures
    villages: list[Figures]
    grids: list[Figures]


def progress(campaign: Campaign, targets: Iterable[Target], today: dt.date) -> Progress:
    """The figures of *targets* (the caller's scope of the campaign) on *today*."""
    town = Figures()
    villages: dict[str, Figures] = {}
    grids: dict[str, Figures] = {}
    for target in targets:
        town.add(target, today)
        villages.setdefault(target.village, Figures(village=target.village)).add(target, today)
        grids.setdefault(target.grid, Figures(grid=target.grid, village=target.village)).add(target, today)
    return Progress(campaign=campaign, day=today, town=town, villages=[villages[v] for v in sorted(villages)],
                    grids=[grids[g] for g in sorted(grids)])


HEADERS = ("应查房屋", "已排查", "排查率", "发现隐患", "其中重大隐患", "已整改销号", "整改率", "逾期未整改")


def _row(figures: Figures) -> list[object]:
    share = round(figures.inspected / figures.total, 4) if figures.total else 0.0
    fixed = round(figures.rectified / figures.hazards, 4) if figures.hazards else 0.0
    return [figures.total, figures.inspected, share, figures.hazards, figures.major, figures.rectified, fixed,
            figures.overdue]


def report_xlsx(report: Progress, names: dict[str, str]) -> bytes:
    """The county's report: one sheet by village, one by grid, the town's totals last; *names* names the ids."""
    book = Workbook()
    by_village = book.active
    assert by_village is not None
    by_village.title = "按村汇总"
    title = f"{report.campaign.name}（截至 {report.day.isoformat()}）"
    by_village.append([title])
    by_village.append(["村", *HEADERS])
    for figures in report.villages:
        by_village.append([names.get(figures.village or "", figures.village), *_row(figures)])
    by_village.append(["合计", *_row(report.town)])
    by_grid = book.create_sheet("按网格")
    by_grid.append([title])
    by_grid.append(["村", "网格", *HEADERS])
    for figures in report.grids:
        by_grid.append([names.get(figures.village or "", figures.village), names.get(figures.grid or "", figures.grid),
                        *_row(figures)])
    for sheet, labels in ((by_village, 1), (by_grid, 2)):
        sheet["A1"].font = Font(bold=True, size=14)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in sheet.iter_rows(min_row=3):  # the two rates (排查率, 整改率) as percentages
            for index in (labels + 2, labels + 6):
                row[index].number_format = "0.0%"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
