"""The big screen's headline figures, counted for one principal's scope."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

from console.schemas import at
from console.scope import sees_device, village_id
from console.screen_schemas import DeviceCount, Kpis
from hub.alerts.model import Action, Alert, AlertState, Severity, Transition
from hub.alerts.store import AlertQuery
from hub.context import HubContext
from hub.dispatch.model import TeamStatus
from hub.users.model import Principal

MAX_ALERTS_A_DAY = 1000  # a township sees dozens; past this the day's figures count the newest only
TAKEN_ON = (Action.ACKNOWLEDGE, Action.DISPATCH)  # either stops escalation


async def kpis_of(ctx: HubContext, principal: Principal) -> Kpis:
    now = ctx.clock()
    today = await asyncio.to_thread(_todays_alerts, ctx, principal, _local_midnight(ctx, now))
    acknowledged = [(a, late) for a, late in today if late is not None]
    overdue = [a for a, _ in today if a.state is AlertState.RAISED and now - a.raised_at > _limit(ctx, a)]
    opened = [a for a in ctx.alerts.book.open_alerts() if principal.sees_village(a.village)]
    teams = _teams_in_scope(ctx, principal)
    return Kpis(time=at(now), alerts_today=len(today), open=len(opened),
                open_by_severity={s: sum(a.severity is s for a in opened) for s in Severity},
                acknowledged_today=len(acknowledged), acknowledged_in_time=sum(not late for _, late in acknowledged),
                overdue=len(overdue), teams_available=sum(s is TeamStatus.AVAILABLE for s in teams.values()),
                teams_total=len(teams), devices=_devices_by_kind(ctx, principal))


def _local_midnight(ctx: HubContext, now: float) -> float:
    """The start of the town's calendar day, on the hub's clock (the demo's may run fast)."""
    local = datetime.fromtimestamp(now, ZoneInfo(ctx.town.town.timezone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


def _todays_alerts(ctx: HubContext, principal: Principal, since: float) -> list[tuple[Alert, bool | None]]:
    """Today's alerts, each with whether it was taken on late (None: not taken on). Runs in a thread."""
    village = None if principal.is_staff else principal.village
    store = ctx.alerts.store
    alerts = store.find(AlertQuery(village=village, since=since, limit=MAX_ALERTS_A_DAY))
    return [(a, _late(ctx, a, store.history(a.id)) if a.acknowledged_by else None)
            for a in alerts if principal.sees_village(a.village)]


def _late(ctx: HubContext, alert: Alert, history: list[Transition]) -> bool | None:
    taken = next((t for t in history if t.action in TAKEN_ON), None)
    return None if taken is None else taken.ts - alert.raised_at > _limit(ctx, alert)


def _limit(ctx: HubContext, alert: Alert) -> float:
    """How long an alert may wait for someone before the chain is climbed: the town's limit for its severity."""
    return ctx.alerts.book.policy.after_s(alert.severity)


def _teams_in_scope(ctx: HubContext, principal: Principal) -> dict[str, TeamStatus]:
    roster, book = ctx.dispatch.roster.teams, ctx.dispatch.book
    return {t: book.teams[t].status for t, team in roster.items()
            if principal.sees_village(village_id(ctx.town, team.base_grid))}


def _devices_by_kind(ctx: HubContext, principal: Principal) -> dict[str, DeviceCount]:
    states: Counter[tuple[str, str]] = Counter()
    for device in ctx.town.devices:
        if sees_device(ctx, principal, device.id):
            health = ctx.health.get(device.id)
            states[device.kind.value, health.state.value if health else "unmonitored"] += 1
    kinds = sorted({kind for kind, _ in states})
    return {k: DeviceCount(online=states[k, "online"], unmonitored=states[k, "unmonitored"],
                           total=sum(n for (kind, state), n in states.items() if kind == k and state != "unmonitored"))
            for k in kinds}
