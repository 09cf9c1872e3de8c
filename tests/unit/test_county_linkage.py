"""Linkage along a river: an upstream river alert warns every town below, with the arrival from travel times."""

from __future__ import annotations

import datetime as dt

from hub.county.config import load_county
from hub.county.linkage import below, upstream_water
from hub.county.messages import AlertUp
from hub.settings import DEFAULT_TOWN

COUNTY = load_county(DEFAULT_TOWN.parent / "county.yaml")
AT = dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp()


def alert(rule: str = "river-rise", action: str = "raise", basin: str | None = "清溪河") -> AlertUp:
    return AlertUp(town_seq=1, alert_id=7, rule=rule, source="RS01", title="水位快速上涨", severity="yellow",
                   state="resolved" if action == "resolve" else "raised", message="", action=action, actor="system",
                   note="", at=AT, raised_at=AT, device="RS01", basin=basin)


def test_the_towns_below_with_the_water_s_minutes_added_up() -> None:
    river = COUNTY.basins[0]
    assert below(river, "shangyuan") == [("qingxi", 90.0), ("hekou", 240.0)]
    assert below(river, "qingxi") == [("hekou", 150.0)]
    assert below(river, "hekou") == []


def test_a_rise_upstream_warns_each_town_below_with_its_arrival() -> None:
    warnings = upstream_water(COUNTY, "shangyuan", alert())
    assert [(w.town, w.kind, w.arrives_at) for w in warnings] == [
        ("qingxi", "upstream_water", AT + 90 * 60), ("hekou", "upstream_water", AT + 240 * 60)]
    assert warnings[0].title == "上游来水预警：上源镇水位快速上涨"
    assert "13:30到达本镇" in warnings[0].text and "16:00到达本镇" in warnings[1].text
    assert warnings[0].issued_by == "清江县流域联动"


def test_its_resolution_lifts_the_warnings_and_other_steps_say_nothing() -> None:
    lifted = upstream_water(COUNTY, "qingxi", alert(action="resolve"))
    assert [(w.town, w.kind, w.title) for w in lifted] == [
        ("hekou", "upstream_water_lifted", "上游来水预警解除：青溪镇")]
    assert upstream_water(COUNTY, "qingxi", alert(action="acknowledge")) == []
    assert upstream_water(COUNTY, "qingxi", alert(action="close")) == []


def test_only_the_linked_rules_on_a_known_river_warn() -> None:
    assert upstream_water(COUNTY, "shangyuan", alert(rule="river-level")) == []
    assert upstream_water(COUNTY, "shangyuan", alert(rule="device-offline")) == []
    assert upstream_water(COUNTY, "shangyuan", alert(basin="湘江")) == []
    assert upstream_water(COUNTY, "shangyuan", alert(basin=None)) == []
    assert [w.town for w in upstream_water(COUNTY, "shangyuan", alert(rule="flood-risk"))] == ["qingxi", "hekou"]


def test_each_warning_names_the_alert_it_comes_from_for_the_town_below() -> None:
    named = alert().model_copy(update={"device_name": "清溪河石门水位站"})
    [warning] = upstream_water(COUNTY, "qingxi", named)
    assert warning.upstream.model_dump() == {"town": "qingxi", "town_name": "青溪镇", "alert_id": 7,
                                             "station": "清溪河石门水位站", "basin": "清溪河", "severity": "yellow"}
    flood = alert("flood-risk").model_copy(update={"device": None, "source": "basin:清溪河"})
    [basin_wide] = upstream_water(COUNTY, "qingxi", flood)
    assert basin_wide.upstream.station == "清溪河流域"
