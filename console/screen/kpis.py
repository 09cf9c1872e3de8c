"""The big screen's headline figures, counted for one principal's scope."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from console.schemas import at
from console.scope import narrowed, sees_alert, sees_device, village_id
from console.screen.schemas import DeviceCount, Kpis
from hub.alerts.model import Action, Alert, AlertState, Severity, Transition
from hub.alerts.store import AlertQuery
from hub.context import HubContext
from hub.dispatch.model import TeamStatus
from hub.users.model import Principal

MAX_ALERTS_A_DAY = 1000  # a township sees dozens; past this the day's figures count the newest only
TAKEN_ON = (Action.ACKNOWLEDGE, Action.DISPATCH)  # either stops escalation


@dataclass(frozen=True, slots=True)
class DayAlert:
    """One of today's alerts, with how long it might wait for someone and whether it was taken on late."""

    alert: Alert
    limit_s: float
    late: bool | None  # None: not taken on


async def kpis_of(ctx: HubContext, principal: Principal) -> Kpis:
    now = ctx.clock()
    today = await asyncio.to_thread(_todays_alerts, ctx, principal, _local_midnight(ctx, now))
    acknowledged = [d.late for d in today if d.late is not None]
    overdue = [d for d in today if d.alert.state is AlertState.RAISED and now - d.alert.raised_at > d.limit_s]
    opened = [a for a in ctx.alerts.open_alerts() if sees_alert(ctx.town, principal, a)]
    teams = _teams_in_scope(ctx, principal)
    return Kpis(time=at(now), alerts_today=len(today), open=len(opened),
                open_by_severity={s: sum(a.severity is s for a in opened) for s in Severity},
                acknowledged_today=len(acknowledged), acknowledged_in_time=sum(not late for late in acknowledged),
                overdue=len(overdue), teams_available=sum(s is TeamStatus.AVAILABLE for s in teams.values()),
                teams_total=len(teams), devices=_devices_by_kind(ctx, principal))


def _local_midnight(ctx: HubContext, now: float) -> float:
    """The start of the town's calendar day, on the hub's clock (the demo's may run fast)."""
    local = datetime.fromtimestamp(now, ZoneInfo(ctx.town.town.timezone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


def _todays_alerts(ctx: HubContext, principal: Principal, since: float) -> list[DayAlert]:
    """Today's alerts in the principal's scope, each with its limit and lateness. Runs in a thread."""
    store = ctx.alerts.store
    alerts = store.find(narrowed(ctx.town, principal, AlertQuery(since=since, limit=MAX_ALERTS_A_DAY)))
    return [_timed(ctx, a, store.history(a.id)) for a in alerts if sees_alert(ctx.town, principal, a)]


def _timed(ctx: HubContext, alert: Alert, history: list[Transition]) -> DayAlert:
    """The alert's limit is the one for the severity it was raised with: an alert that rose to red while
    waiting was not late for the five minutes of red before it rose."""
    raised = history[0].severity if history else alert.severity
    limit = ctx.alerts.policy.after_s(raised)
    taken = next((t for t in history if t.action in TAKEN_ON), None) if alert.acknowledged_by else None
    return DayAlert(alert, limit, None if taken is None else taken.ts - alert.raised_at > limit)


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
