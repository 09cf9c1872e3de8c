"""Combination rules: a rising river and heavy rain in the same basin make a red alert of their own."""

from __future__ import annotations

from hub.alerts.book import AlertBook
from hub.alerts.combination import applied
from hub.alerts.config import CombinationRule
from hub.alerts.evaluators import Signal
from hub.alerts.model import Action, AlertEvent, AlertState, Severity
from hub.alerts.notify import ChainLevel
from hub.alerts.rules import RuleSet
from hub.town import Town
from tests.alert_support import T0, FakeClock, make_book, signal, town_with

BLUE, YELLOW, ORANGE, RED = Severity


class Scene:
    """A book and the rules of one town, fed the way the alert service feeds them."""

    def __init__(self, town: Town) -> None:
        self.clock = FakeClock()
        self.rules = RuleSet.for_town(town, T0)
        self.book: AlertBook = make_book(town, self.clock)

    def feed(self, *signals: Signal) -> list[AlertEvent]:
        return [e for s in signals for e in applied(self.book, self.rules.combinations, self.rules.town, s)]

    def combined(self, rule: str = "flood-risk") -> dict[str, tuple[Severity, AlertState, bool]]:
        return {a.source: (a.severity, a.state, a.active) for a in self.book.by_id.values() if a.rule == rule}


def test_rising_level_and_heavy_rain_in_one_basin_raise_a_red_alert() -> None:
    t = Scene(town_with())
    assert t.feed(signal("river-rise", "RS01", YELLOW, value=0.35))[0].alert.rule == "river-rise"
    assert t.combined() == {}
    events = t.feed(signal("rainfall", "RG01", ORANGE, value=101.0))
    flood = events[-1]
    assert flood.transition is not None and flood.transition.action is Action.RAISE
    assert (flood.alert.rule, flood.alert.source, flood.alert.severity) == ("flood-risk", "basin:upper", RED)
    assert flood.alert.title == "流域洪水风险：水位上涨叠加强降雨"
    assert flood.alert.message.startswith("upper 流域洪水风险：水位上涨叠加强降雨：")
    assert sorted(flood.alert.detail["alerts"]) == [1, 2]


def test_rain_in_another_basin_does_not_combine() -> None:
    t = Scene(town_with())
    t.feed(signal("river-rise", "RS01", YELLOW), signal("rainfall", "RG02", RED))
    assert t.combined() == {}
    t.feed(signal("river-rise", "RS04", YELLOW))
    assert t.combined() == {"basin:lower": (RED, AlertState.RAISED, True)}


def test_the_combination_clears_when_one_side_clears_and_resolves_after_clear_for_s() -> None:
    t = Scene(town_with())
    t.feed(signal("river-rise", "RS01", YELLOW), signal("rainfall", "RG01", ORANGE))
    t.clock.advance(60)
    t.feed(signal("river-rise", "RS01", None))
    assert t.combined() == {"basin:upper": (RED, AlertState.RAISED, False)}
    t.clock.advance(900)  # river-rise and flood-risk both wait 900 s clear
    assert {e.alert.rule for e in t.book.tick() if e.alert.state is AlertState.RESOLVED} == \
        {"river-rise", "flood-risk"}


def test_the_combination_holds_while_both_sides_hold() -> None:
    t = Scene(town_with())
    t.feed(signal("river-rise", "RS01", YELLOW), signal("rainfall", "RG01", ORANGE))
    t.clock.advance(60)
    assert t.feed(signal("rainfall", "RG01", ORANGE)) == []
    assert t.feed(signal("river-rise", "RS01", YELLOW)) == []
    assert t.combined() == {"basin:upper": (RED, AlertState.RAISED, True)}
    assert t.book.by_id[3].count == 3


def test_a_combination_counts_the_same_however_its_signals_are_batched() -> None:
    feed = [signal("river-rise", "RS01", YELLOW), signal("rainfall", "RG01", ORANGE),
            signal("rainfall", "RG01", ORANGE), signal("river-rise", "RS01", YELLOW)]
    batched, one_by_one = Scene(town_with()), Scene(town_with())
    batched.feed(*feed)
    for s in feed:
        one_by_one.feed(s)
    assert batched.book.by_id[3].count == one_by_one.book.by_id[3].count == 3


def test_a_combination_of_an_acknowledged_alert_still_holds() -> None:
    t = Scene(town_with())
    t.feed(signal("river-rise", "RS01", YELLOW))
    t.book.acknowledge(1, "谭芳", "")
    t.feed(signal("rainfall", "RG01", BLUE))
    assert t.combined() == {"basin:upper": (RED, AlertState.RAISED, True)}


def test_min_severity_and_other_groupings() -> None:
    strict = CombinationRule(id="flood-risk", title="洪水风险", all_of=("river-rise", "rainfall"),
                             min_severity=ORANGE, within="town", severity=ORANGE)
    t = Scene(town_with(strict))
    t.feed(signal("river-rise", "RS01", YELLOW), signal("rainfall", "RG02", RED))
    assert t.combined() == {}
    t.feed(signal("river-rise", "RS01", ORANGE))
    assert t.combined() == {"town:town": (ORANGE, AlertState.RAISED, True)}
    town_wide = next(a for a in t.book.by_id.values() if a.rule == "flood-risk")
    assert town_wide.message.startswith("青溪镇 洪水风险：")  # the town's name, not the group's id


def test_grouping_by_grid_places_the_alert_in_that_grid() -> None:
    by_grid = CombinationRule(id="station-trouble", title="水位站异常", all_of=("river-level", "device-offline"),
                              within="grid", severity=ORANGE)
    t = Scene(town_with(by_grid))
    events = t.feed(signal("river-level", "RS01", ORANGE), signal("device-offline", "CAM01", YELLOW))
    assert [e.alert.rule for e in events] == ["river-level", "device-offline"]  # RS01 is in G19, CAM01 in G06
    events = t.feed(signal("device-offline", "RS01", YELLOW))
    combined = events[-1].alert
    assert (combined.rule, combined.source, combined.grid, combined.village) == (
        "station-trouble", "grid:G19", "G19", "shimen")


def test_grouping_by_village_places_the_alert_in_that_village_and_tells_its_cadre() -> None:
    by_village = CombinationRule(id="village-trouble", title="村内多点异常", all_of=("river-level", "device-offline"),
                                 within="village", severity=ORANGE)
    t = Scene(town_with(by_village))
    events = t.feed(signal("river-level", "RS01", ORANGE), signal("device-offline", "CAM13", YELLOW))  # shimen
    combined = events[-1].alert
    assert (combined.rule, combined.source, combined.grid, combined.village) == (
        "village-trouble", "village:shimen", None, "shimen")
    assert combined.message.startswith("石门村 村内多点异常：")
    cadre = t.book.policy.recipients(combined, ChainLevel.VILLAGE_CADRE)
    assert [r.name for r in cadre] == [v.cadre.name for v in t.rules.town.villages if v.id == "shimen"]
