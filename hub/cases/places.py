"""Where a case is and who can take it: grids by point, units by reference (department:police, grid:G01 …)."""

from __future__ import annotations

from hub.cases.config import CasesConfig
from hub.cases.model import Unit, UnitKind
from hub.town import Point, Town


class CaseInputError(ValueError):
    """Something a caller gave that does not exist or does not fit (an unknown unit, category, grid)."""


def inside(point: Point, polygon: list[Point]) -> bool:
    """Ray casting: whether *point* lies within *polygon* (lon/lat, small enough to treat as flat)."""
    x, y = point
    found = False
    for (x1, y1), (x2, y2) in zip(polygon, polygon[1:] + polygon[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            found = not found
    return found


def grid_at(town: Town, point: Point) -> str | None:
    return next((g.id for g in town.grids().values() if inside(point, g.polygon)), None)


def unit(town: Town, config: CasesConfig, ref: str) -> Unit:
    """The unit *ref* names; CaseInputError when there is none."""
    kind_text, _, ident = ref.partition(":")
    names: dict[str, str] = {}
    if kind_text == UnitKind.GRID:
        names = {g.id: g.name for g in town.grids().values()}
    elif kind_text == UnitKind.VILLAGE:
        names = {v.id: v.name for v in town.villages}
    elif kind_text == UnitKind.DEPARTMENT:
        names = {d.id: d.name for d in config.departments}
    elif kind_text == UnitKind.TEAM:
        names = {t.id: t.name for t in town.teams}
    if ident not in names:
        raise CaseInputError(f"no unit {ref!r}: give department:<id>, grid:<id>, village:<id> or team:<id>")
    kind = UnitKind(kind_text)
    return Unit(kind, ident, names[ident], _village_of(town, kind, ident))


def _village_of(town: Town, kind: UnitKind, ident: str) -> str | None:
    """The village a grid or village unit belongs to (departments and teams serve the whole town)."""
    if kind is UnitKind.VILLAGE:
        return ident
    village = town.village_of(ident) if kind is UnitKind.GRID else None
    return village.id if village else None
