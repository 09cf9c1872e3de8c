"""What of the town a principal may see: villages of grids and devices, checked with 404 before 403."""

from __future__ import annotations

from fastapi import HTTPException

from console.auth import in_village
from hub.context import HubContext
from hub.town import Device, Town
from hub.users.model import Principal


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
