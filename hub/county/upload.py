"""What a town's alerts, cases and figures become on their way to the county: masked, typed messages."""

from __future__ import annotations

from collections import Counter

from hub.alerts.combination import basin_of
from hub.alerts.model import AlertEvent
from hub.cases.model import Case, CaseEvent
from hub.county.messages import AlertUp, CaseUp, RequesterUp, StationUp, SummaryUp
from hub.models import Reading
from hub.privacy import mask_name, mask_phone, mask_text
from hub.town import Device, DeviceKind, Town

STATION_KINDS = frozenset({DeviceKind.RIVER_STATION, DeviceKind.RAIN_GAUGE})
STATION_VALUES = frozenset({"water_level", "water_level_rise", "rainfall_1h", "rainfall_24h"})


def alert_up(event: AlertEvent, town: Town) -> AlertUp | None:
    """A transition of an alert; a repeat (no transition) is not sent."""
    alert, step = event.alert, event.transition
    if step is None:
        return None
    device = town.device_map().get(alert.device or "")
    return AlertUp(town_seq=step.seq, alert_id=alert.id, rule=alert.rule, source=alert.source, title=alert.title,
                   severity=step.severity.value, state=step.state.value, message=mask_text(alert.message),
                   action=step.action.value, actor=step.actor, note=mask_text(step.note), at=step.ts,
                   raised_at=alert.raised_at, device=alert.device, grid=alert.grid, village=alert.village,
                   basin=device.basin if device else basin_of(alert), device_name=device.name if device else None)


def case_up(event: CaseEvent, now: float) -> CaseUp:
    """A step of a case; the requester's name and phone masked, the free text not sent."""
    case, entry = event.case, event.entry
    who = case.requester
    return CaseUp(case_id=case.id, number=case.number, category=case.category, title=mask_text(case.title),
                  state=case.state.value, action=entry.action.value, at=entry.ts, created_at=case.created_at,
                  due_at=case.due_at, limit=case.limit, overdue=is_overdue(case, now), village=case.village,
                  requester=RequesterUp(name=mask_name(who.name), phone=mask_phone(who.phone)) if who else None)


def is_overdue(case: Case, now: float) -> bool:
    return case.state.is_open and case.due_at is not None and case.due_at < now


def station_up(device: Device, latest: list[Reading]) -> StationUp:
    """A station with the values of its newest readings the county needs."""
    kept = [r for r in latest if r.quantity in STATION_VALUES]
    levels = device.levels
    return StationUp(device=device.id, name=device.name, kind=device.kind.value, basin=device.basin,
                     values={r.quantity: r.value for r in kept}, at=max((r.ts for r in kept), default=None),
                     warning_level=levels.warning_level if levels else None,
                     guarantee_level=levels.guarantee_level if levels else None)


def summary_up(now: float, open_severities: list[str], cases: list[Case],
               device_states: list[tuple[str, str, int]], stations: list[StationUp]) -> SummaryUp:
    """The town's figures now; device_states as the health tracker counts them (kind, state, n)."""
    devices: Counter[str] = Counter()
    for _kind, state, n in device_states:
        devices[state] += n
    open_cases = [c for c in cases if c.state.is_open]
    return SummaryUp(at=now, alerts_open=dict(Counter(open_severities)), cases_open=len(open_cases),
                     cases_overdue=sum(is_overdue(c, now) for c in open_cases), devices=dict(devices),
                     stations=stations)
