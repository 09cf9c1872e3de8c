"""上游来水 at the town below: the county's warning becomes an alert of the town's own, resolved with its source.

The alert is keyed by the upstream town and its alert, so a second warning about the same upstream alert (a
reopen) reopens or repeats it, and the lifting resolves exactly the alert it warned of.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from hub.alerts.defaults import UPSTREAM_WATER
from hub.alerts.evaluators import Signal
from hub.alerts.model import Severity
from hub.county.messages import DirectiveDown, UpstreamSource

LINKAGE_ACTOR = "县级流域联动"


def source_key(upstream: UpstreamSource) -> str:
    """The alert's source at the town below: one per upstream town and alert."""
    return f"county:{upstream.town}:{upstream.alert_id}"


def upstream_message(upstream: UpstreamSource, arrives_at: float, timezone: str) -> str:
    """上游来水：青溪镇 清溪河石门水位站 水位上涨，预计 16:00 到达"""
    clock = dt.datetime.fromtimestamp(arrives_at, ZoneInfo(timezone)).strftime("%H:%M")
    return f"上游来水：{upstream.town_name} {upstream.station} 水位上涨，预计 {clock} 到达"


@dataclass(frozen=True, slots=True)
class UpstreamChange:
    """What a directive asks of the town's alerts: raise (a signal) or resolve (the source's alert)."""

    source: str
    signal: Signal | None  # None: resolve the alert of *source*
    note: str = ""


def upstream_change(directive: DirectiveDown, timezone: str, now: float) -> UpstreamChange | None:
    """The change a county directive makes to the town's alerts; None for a directive that is not upstream water."""
    upstream = directive.upstream
    if upstream is None:
        return None
    source = source_key(upstream)
    if directive.kind == "upstream_water_lifted":
        return UpstreamChange(source, None, f"{upstream.town_name}的预警已解除（{directive.issued_by}）")
    if directive.kind != "upstream_water" or directive.arrives_at is None:
        return None
    severity = Severity(upstream.severity) if upstream.severity in set(Severity) else Severity.ORANGE
    clock = dt.datetime.fromtimestamp(directive.arrives_at, ZoneInfo(timezone)).strftime("%H:%M")
    detail: dict[str, object] = {"upstream_town": upstream.town_name, "station": upstream.station,
                                 "basin": upstream.basin, "arrives_at": directive.arrives_at, "arrives": clock,
                                 "directive": directive.id}
    signal = Signal(UPSTREAM_WATER, source, severity, now, message=upstream_message(upstream, directive.arrives_at,
                                                                                   timezone), detail=detail)
    return UpstreamChange(source, signal)
