"""What of the town a principal may see: villages of grids and devices, and alerts, checked with 404 before 403."""

from __future__ import annotations

from dataclasses import replace
from enum import Enum

from fastapi import HTTPException

from console.auth import in_village
from hub.alerts.combination import TOWN_WIDE_SOURCE, basin_of, is_town_wide, wide_kind
from hub.alerts.model import Alert
from hub.alerts.store import AlertQuery
from hub.context import HubContext
from hub.town import Device, Town
from hub.users.model import Principal, Role


class AlertAccess(Enum):
    """What a principal may do with one alert."""

    NONE = "none"  # another village's: not shown at all
    READ = "read"  # basin- or town-wide, covering the cadre's village: shown, acted on by the centre
    ACT = "act"  # acknowledge and resolve (the staff-only actions stay staff-only by role)


def alert_access(town: Town, principal: Principal, alert: Alert) -> AlertAccess:
    """The one rule for alerts: staff act on all; a cadre acts on their village's and reads those covering it.

    On a flood night the cadre of a riverside village must see the basin's flood alert and the town's, but
    acknowledging or resolving them is the centre's: one village cannot speak for the whole river.
    """
    if principal.is_staff:
        return AlertAccess.ACT
    if principal.role is not Role.cadre or principal.village is None:
        return AlertAccess.NONE
    if alert.village is not None:
        return AlertAccess.ACT if alert.village == principal.village else AlertAccess.NONE
    basin = basin_of(alert)
    covers = basin in basins_of(town, principal.village) if basin else is_town_wide(alert)
    return AlertAccess.READ if covers else AlertAccess.NONE


def sees_alert(town: Town, principal: Principal, alert: Alert) -> bool:
    return alert_access(town, principal, alert) is not AlertAccess.NONE


def basins_of(town: Town, village: str) -> set[str]:
    """The basins that run through *village*: those of the devices in its grids."""
    grids = {g.id for v in town.villages if v.id == village for g in v.grids}
    return {d.basin for d in town.devices if d.basin and d.grid in grids}


def covering_sources(town: Town, village: str) -> tuple[str, ...]:
    """The sources of the village-less alerts that cover *village*, for a store query to narrow by."""
    return (*(f"basin:{b}" for b in sorted(basins_of(town, village))), TOWN_WIDE_SOURCE)


def narrowed(town: Town, principal: Principal, query: AlertQuery) -> AlertQuery:
    """*query* narrowed in the store to a cadre's village and what covers it (the caller still applies
    `alert_access` to what it finds: the store cannot tell every rule)."""
    if principal.is_staff or principal.village is None:
        return query
    return replace(query, village=principal.village, covering=covering_sources(town, principal.village))


def check_alert(town: Town, principal: Principal, alert: Alert, acting: bool = False) -> None:
    """Refuse (403) an alert the principal may not see or, when *acting*, may not act on, saying why."""
    access = alert_access(town, principal, alert)
    if access is AlertAccess.NONE:
        raise HTTPException(403, "outside your village")
    if acting and access is AlertAccess.READ:
        what = "basin-wide" if wide_kind(alert) == "basin" else "town-wide"
        raise HTTPException(403, f"a {what} alert is acted on by the centre: your village sees it read-only")


def village_id(town: Town, grid: str | None) -> str | None:
    village = town.village_of(grid) if grid else None
    return village.id if village else None


def device_in_scope(ctx: HubContext, principal: Principal, device_id: str) -> Device:
    """The device, if it exists (404) and the principal may see it (403)."""
    device = ctx.town.device_map().get(device_id)
    if device is None:
        raise HTTPException(404, f"no device {device_id!r}")
    in_village(principal, village_id(ctx.town, device.grid))
    return device


def sees_device(ctx: HubContext, principal: Principal, device_id: str) -> bool:
    device = ctx.town.device_map().get(device_id)
    return device is not None and principal.sees_village(village_id(ctx.town, device.grid))
