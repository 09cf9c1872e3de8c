"""上游来水 at the town below: which directives change its alerts, and how the alert reads."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hub.alerts.book import AlertBook
from hub.alerts.escalation import EscalationPolicy
from hub.alerts.model import AlertState, Severity
from hub.county.messages import DirectiveDown, UpstreamSource
from hub.county.upstream import source_key, upstream_change
from tests.support import sample_town

SOURCE = UpstreamSource(town="qingxi", town_name="青溪镇", alert_id=7, station="清溪河石门水位站", basin="清溪河",
                        severity="orange")
AT = dt.datetime(2026, 7, 1, 13, 30, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp()


def directive(kind: str, upstream: UpstreamSource | None = SOURCE) -> DirectiveDown:
    return DirectiveDown(id=3, kind=kind, title="上游来水预警：青溪镇水位快速上涨", text="…",
                         issued_by="清江县流域联动",
                         issued_at=AT, arrives_at=AT + 150 * 60 if kind == "upstream_water" else None,
                         upstream=upstream)


def test_a_warning_raises_an_alert_with_the_arrival_in_the_towns_time() -> None:
    change = upstream_change(directive("upstream_water"), "Asia/Shanghai", AT)
    assert change is not None and change.signal is not None
    assert change.source == source_key(SOURCE) == "county:qingxi:7"
    assert change.signal.rule == "upstream-water" and change.signal.severity is Severity.ORANGE
    assert change.signal.message == "上游来水：青溪镇 清溪河石门水位站 水位上涨，预计 16:00 到达"
    assert change.signal.detail["arrives"] == "16:00"


def test_its_lifting_resolves_the_same_source_and_other_directives_change_nothing() -> None:
    lifted = upstream_change(directive("upstream_water_lifted"), "Asia/Shanghai", AT)
    assert lifted is not None and lifted.signal is None and lifted.source == "county:qingxi:7"
    assert upstream_change(directive("directive", None), "Asia/Shanghai", AT) is None
    assert upstream_change(directive("upstream_water", None), "Asia/Shanghai", AT) is None


def test_the_alert_is_titled_though_no_rule_of_the_town_raises_it() -> None:
    town = sample_town().town
    book = AlertBook(town, {}, EscalationPolicy(town, town.alerts), lambda: AT)
    change = upstream_change(directive("upstream_water"), "Asia/Shanghai", AT)
    assert change is not None and change.signal is not None
    [raised] = book.apply(change.signal)
    assert (raised.alert.title, raised.alert.state, raised.alert.source) == \
        ("上游来水", AlertState.RAISED, "county:qingxi:7")
    resolved = book.resolve(raised.alert.id, "县级流域联动", "青溪镇的预警已解除")
    assert resolved.alert.state is AlertState.RESOLVED
