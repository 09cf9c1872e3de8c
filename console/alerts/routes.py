"""Alert routes: list and filter, read one with its history and deliveries, and act on it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from console.alerts.schemas import AlertAction, AlertDetail, AlertPublic, CloseAction, DeliveryPublic, TransitionPublic
from console.auth import Staff, Watcher, in_village
from console.bounds import Id
from console.deps import Ctx
from console.schemas import states_of
from console.scope import check_alert, narrowed, sees_alert
from hub.alerts.book import AlertActionError
from hub.alerts.model import Alert, AlertState, Severity
from hub.alerts.store import AlertQuery
from hub.context import HubContext
from hub.users.model import Principal

alerts_router = APIRouter(prefix="/api/alerts", tags=["alerts"])
OPEN = (AlertState.RAISED, AlertState.ACKNOWLEDGED, AlertState.DISPATCHED)


@alerts_router.get("")
async def list_alerts(
    ctx: Ctx,
    principal: Watcher,
    state: Annotated[list[str] | None, Query(description="raised, acknowledged, dispatched, resolved, closed, "
                                                         "or open (the first three)")] = None,
    severity: Annotated[list[Severity] | None, Query()] = None,
    rule: str | None = None, device: str | None = None, grid: str | None = None, village: str | None = None,
    since: Annotated[datetime | None, Query(description="raised at or after (ISO-8601)")] = None,
    until: Annotated[datetime | None, Query(description="raised before (ISO-8601)")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[AlertPublic]:
    """Alerts, newest first, filtered by state, severity, rule, device, grid, village and time.

    A village cadre sees their own village's alerts and the basin- and town-wide ones covering it.
    """
    in_village(principal, village or principal.village)
    query = narrowed(ctx.town, principal, AlertQuery(
        states=states_of(state or [], AlertState, OPEN), severities=tuple(severity or ()), rule=rule, device=device,
        grid=grid, village=village, since=since.timestamp() if since else None,
        until=until.timestamp() if until else None, limit=limit))
    found = await asyncio.to_thread(ctx.alerts.store.find, query)
    return [AlertPublic.of(a) for a in found if sees_alert(ctx.town, principal, a)]


@alerts_router.get("/{alert_id}")
async def alert_detail(ctx: Ctx, principal: Watcher, alert_id: Id) -> AlertDetail:
    """One alert with its audit trail and the log of its notifications."""
    store = ctx.alerts.store
    alert = await alert_in_scope(ctx, principal, alert_id)
    history, deliveries = await asyncio.gather(asyncio.to_thread(store.history, alert_id),
                                               asyncio.to_thread(store.deliveries, alert_id))
    history_public = [TransitionPublic.of(t, principal.is_staff) for t in history]  # a cadre's: numbers masked
    return AlertDetail(**AlertPublic.of(alert).model_dump(), history=history_public,
                       deliveries=[DeliveryPublic.of(d) for d in deliveries])


@alerts_router.post("/{alert_id}/acknowledge")
async def acknowledge(ctx: Ctx, principal: Watcher, alert_id: Id, body: AlertAction) -> AlertPublic:
    """Someone has seen it and takes it on: escalation stops."""
    await alert_in_scope(ctx, principal, alert_id, acting=True)
    return AlertPublic.of(await _act(ctx.alerts.acknowledge(alert_id, principal.actor, body.note)))


@alerts_router.post("/{alert_id}/resolve")
async def resolve(ctx: Ctx, principal: Watcher, alert_id: Id, body: AlertAction) -> AlertPublic:
    """The situation is dealt with."""
    await alert_in_scope(ctx, principal, alert_id, acting=True)
    return AlertPublic.of(await _act(ctx.alerts.resolve(alert_id, principal.actor, body.note)))


@alerts_router.post("/{alert_id}/close")
async def close(ctx: Ctx, principal: Staff, alert_id: Id, body: CloseAction) -> AlertPublic:
    """A resolved alert is filed, with a note on how it ended (the centre's call)."""
    return AlertPublic.of(await _act(ctx.alerts.close(alert_id, principal.actor, body.note)))


async def alert_in_scope(ctx: HubContext, principal: Principal, alert_id: int, acting: bool = False) -> Alert:
    """The alert, if it exists (404) and the principal may see it, or act on it when *acting* (403)."""
    alert = await find_alert(ctx, alert_id)
    if alert is None:
        raise HTTPException(404, f"no alert {alert_id}")
    check_alert(ctx.town, principal, alert, acting)
    return alert


async def find_alert(ctx: HubContext, alert_id: int) -> Alert | None:
    """The alert as the book holds it (open or resolved), else as stored."""
    return await ctx.alerts.get(alert_id)


async def _act(action: Awaitable[Alert]) -> Alert:
    """Await an alert action, turning the book's refusals into HTTP errors."""
    try:
        return await action
    except KeyError:
        raise HTTPException(404, "no such open or resolved alert") from None
    except AlertActionError as exc:
        raise HTTPException(409, str(exc)) from None
