"""Who sees which alert and who acts on it: a cadre's own village's, read-only those covering it, nothing else."""

from __future__ import annotations

import pytest
from fastapi import HTTPException

from console.scope import AlertAccess, alert_access, check_alert, covering_sources, narrowed
from hub.alerts.evaluators import Signal
from hub.alerts.model import Alert, Severity
from hub.alerts.store import AlertQuery
from hub.users.model import Principal, Role
from tests.alert_support import T0, FakeClock, make_book, signal, town_with

# town_with(): RS01 (shimen), RG01 (yunling) and RS02 (liuwan) on the upper river; RS03, RS04, RG02 on the lower.
TOWN = town_with()
OFFICER = Principal("duty", "张伟", Role.officer)
SHIMEN = Principal("cadre.shimen", "李四", Role.cadre, village="shimen")
FENGLIN = Principal("cadre.fenglin", "王五", Role.cadre, village="fenglin")  # no river runs through it
PATROL = Principal("T06.1", "赵六", Role.patrol, team="T06")


def wide(rule: str, source: str) -> Signal:
    """A combination's verdict about a group of no device (a basin, a village, the town)."""
    return Signal(rule, source, Severity.RED, T0, None, source)


def alerts() -> dict[str, Alert]:
    """One alert of each reach, raised the way the alert service raises them."""
    book = make_book(TOWN, FakeClock())
    signals = {"shimen": signal("river-level", "RS01", Severity.ORANGE),
               "liuwan": signal("river-level", "RS02", Severity.ORANGE),
               "upper": wide("flood-risk", "basin:upper"), "lower": wide("flood-risk", "basin:lower"),
               "town": wide("town-flood", "town:town"), "shimen-wide": wide("village-trouble", "village:shimen")}
    return {name: book.apply(s)[0].alert for name, s in signals.items()}


@pytest.mark.parametrize(("who", "expected"), [
    (OFFICER, dict.fromkeys(("shimen", "liuwan", "upper", "lower", "town", "shimen-wide"), AlertAccess.ACT)),
    (SHIMEN, {"shimen": AlertAccess.ACT, "liuwan": AlertAccess.NONE, "upper": AlertAccess.READ,
              "lower": AlertAccess.NONE, "town": AlertAccess.READ, "shimen-wide": AlertAccess.ACT}),
    (FENGLIN, {"shimen": AlertAccess.NONE, "liuwan": AlertAccess.NONE, "upper": AlertAccess.NONE,
               "lower": AlertAccess.NONE, "town": AlertAccess.READ, "shimen-wide": AlertAccess.NONE}),
    (PATROL, dict.fromkeys(("shimen", "liuwan", "upper", "lower", "town", "shimen-wide"), AlertAccess.NONE)),
])
def test_each_principal_sees_and_acts_on_what_their_role_and_village_give(
        who: Principal, expected: dict[str, AlertAccess]) -> None:
    assert {name: alert_access(TOWN, who, alert) for name, alert in alerts().items()} == expected


def test_acting_on_a_covering_alert_is_refused_with_the_reason() -> None:
    shown = alerts()
    check_alert(TOWN, SHIMEN, shown["upper"])  # reading is allowed
    check_alert(TOWN, SHIMEN, shown["shimen"], acting=True)
    for name, what in (("upper", "a basin-wide alert"), ("town", "a town-wide alert")):
        with pytest.raises(HTTPException) as refused:
            check_alert(TOWN, SHIMEN, shown[name], acting=True)
        assert (refused.value.status_code, refused.value.detail) == (
            403, f"{what} is acted on by the centre: your village sees it read-only")
    with pytest.raises(HTTPException) as hidden:
        check_alert(TOWN, SHIMEN, shown["liuwan"])
    assert (hidden.value.status_code, hidden.value.detail) == (403, "outside your village")


def test_a_store_query_is_narrowed_to_the_village_and_the_sources_covering_it() -> None:
    assert covering_sources(TOWN, "shimen") == ("basin:upper", "town:town")
    assert covering_sources(TOWN, "fenglin") == ("town:town",)
    query = AlertQuery(rule="flood-risk", limit=50)
    assert narrowed(TOWN, OFFICER, query) == query
    assert narrowed(TOWN, SHIMEN, query) == AlertQuery(rule="flood-risk", village="shimen",
                                                       covering=("basin:upper", "town:town"), limit=50)
