"""Escalation up the chain grid worker → village cadre → duty officer → centre lead, and after a restart."""

from __future__ import annotations

import pytest

from hub.alerts.book import AlertBook
from hub.alerts.escalation import EscalationPolicy
from hub.alerts.model import Action, Alert, AlertEvent, AlertState, Severity
from hub.alerts.notify import ALERT_CHAIN, ChainLevel
from hub.alerts.rules import RuleSet
from hub.town import Town
from tests.alert_support import DUTY, LEAD, T0, FakeClock, make_book, reading, signal, town_with

BLUE, YELLOW, ORANGE, RED = Severity
MIN = 60.0


def full_town() -> Town:
    return town_with(duty_officer=DUTY, centre_lead=LEAD)


def escalations(book: AlertBook, clock: FakeClock, until: float) -> list[tuple[float, int, str]]:
    """Tick every 10 s up to *until*: (minutes since T0, level, note) of each escalation."""
    out: list[tuple[float, int, str]] = []
    while clock.now < until:
        clock.advance(10)
        out += [((clock.now - T0) / MIN, e.alert.escalation_level, e.transition.note)
                for e in book.tick() if e.transition is not None and e.transition.action is Action.ESCALATE]
    return out


def test_the_full_chain_then_reminders_at_the_top_until_acknowledged() -> None:
    clock = FakeClock()
    book = make_book(full_town(), clock)
    book.apply(signal("river-level", "RS01", RED))  # red: 5 minutes a step, reminders every 10
    assert escalations(book, clock, T0 + 36 * MIN) == [
        (5, 1, "5 分钟未确认，升级至村（社区）干部"),
        (10, 2, "10 分钟未确认，升级至值班员"),
        (15, 3, "15 分钟未确认，升级至中心负责人"),
        (25, 3, "25 分钟未确认，再次提醒中心负责人"),
        (35, 3, "35 分钟未确认，再次提醒中心负责人"),
    ]
    book.acknowledge(1, "李主任", "已通知防汛队")
    assert escalations(book, clock, T0 + 300 * MIN) == []
    assert book.by_id[1].escalation_level == 3


@pytest.mark.parametrize(("severity", "minutes"), [(BLUE, 60), (YELLOW, 30), (ORANGE, 15), (RED, 5)])
def test_first_escalation_waits_the_severitys_minutes(severity: Severity, minutes: int) -> None:
    clock = FakeClock()
    book = make_book(full_town(), clock)
    book.apply(signal("river-level", "RS01", severity))
    clock.advance(minutes * MIN - 1)
    assert book.tick() == []
    clock.advance(1)
    (event,) = book.tick()
    assert event.transition is not None and event.transition.action is Action.ESCALATE
    assert event.alert.escalation_level == 1
    assert event.alert.next_escalation_at == clock.now + minutes * MIN


def test_configured_delays_and_reminder_interval() -> None:
    clock = FakeClock()
    town = town_with(duty_officer=DUTY, escalation={"after_min": {"orange": 2}, "repeat_min": 3})
    book = make_book(town, clock)
    book.apply(signal("river-level", "RS01", ORANGE))
    assert [(m, level) for m, level, _ in escalations(book, clock, T0 + 11 * MIN)] == \
        [(2, 1), (4, 2), (7, 2), (10, 2)]


def test_without_duty_officer_and_lead_the_cadre_is_the_top() -> None:
    clock = FakeClock()
    book = make_book(town_with(), clock)
    book.apply(signal("river-level", "RS01", RED))
    assert escalations(book, clock, T0 + 26 * MIN) == [
        (5, 1, "5 分钟未确认，升级至村（社区）干部"),
        (15, 1, "15 分钟未确认，再次提醒村（社区）干部"),
        (25, 1, "25 分钟未确认，再次提醒村（社区）干部"),
    ]


def test_chain_levels_name_the_people_of_the_alerts_grid_and_village() -> None:
    town = full_town()
    clock = FakeClock()
    book = make_book(town, clock)
    (event,) = book.apply(signal("river-level", "RS01", RED))
    policy = EscalationPolicy(town, town.alerts)
    assert policy.chain(event.alert) == list(ALERT_CHAIN)
    who = {level: [(r.name, r.phone) for r in policy.recipients(event.alert, level)] for level in ALERT_CHAIN}
    assert who == {ChainLevel.GRID_WORKER: [("谭芳", "18207342575")],
                   ChainLevel.VILLAGE_CADRE: [("张清", "18207348141")],
                   ChainLevel.DUTY_OFFICER: [("王值班", "13800000001")],
                   ChainLevel.CENTRE_LEAD: [("李主任", "13800000002")]}


def test_an_alert_without_a_grid_goes_to_the_duty_officer() -> None:
    town = town_with()
    book = make_book(town, FakeClock())
    (event,) = book.apply(signal("flood-risk", "basin:upper", RED, device=None))
    assert (event.alert.grid, event.alert.village) == (None, None)
    assert EscalationPolicy(town, town.alerts).chain(event.alert) == [ChainLevel.DUTY_OFFICER]


def test_acknowledged_dispatched_and_resolved_alerts_do_not_escalate() -> None:
    clock = FakeClock()
    book = make_book(full_town(), clock)
    for source in ("RS01", "RS02", "RS03", "RS04"):
        book.apply(signal("river-level", source, RED))
    book.acknowledge(1, "谭芳", "")
    book.dispatch(2, "值班员", "")
    book.resolve(3, "值班员", "")
    clock.advance(5 * MIN)
    assert [e.alert.id for e in book.tick()] == [4]


# --- after a restart -------------------------------------------------------------------------------

def stored(events: list[AlertEvent]) -> list[Alert]:
    """What the store holds after *events*: the newest of each alert."""
    return list({e.alert.id: e.alert for e in events}.values())


def test_a_restarted_book_continues_the_escalation_where_it_was() -> None:
    clock = FakeClock()
    town = full_town()
    before = make_book(town, clock)
    events = before.apply(signal("river-level", "RS01", RED))
    clock.advance(5 * MIN)
    events += before.tick()  # told the village cadre
    clock.advance(2 * MIN)
    after = make_book(town, clock, stored(events), last_id=1, last_seq=before.last_seq)
    assert after.tick() == []
    assert escalations(after, clock, T0 + 16 * MIN) == [
        (10, 2, "10 分钟未确认，升级至值班员"),
        (15, 3, "15 分钟未确认，升级至中心负责人"),
    ]
    assert after.last_seq == before.last_seq + 2


def test_a_restarted_book_does_not_raise_open_alerts_again() -> None:
    clock = FakeClock()
    town = full_town()
    before = make_book(town, clock)
    events = before.apply(signal("river-level", "RS01", ORANGE))
    after = make_book(town, clock, stored(events), last_id=1, last_seq=before.last_seq)
    clock.advance(60)
    assert after.apply(signal("river-level", "RS01", ORANGE)) == []
    (update,) = after.take_updates()
    assert (update.alert.id, update.alert.count) == (1, 2)


def test_a_restarted_book_drops_closed_alerts_and_keeps_resolved_ones_until_they_close() -> None:
    clock = FakeClock()
    town = full_town()
    before = make_book(town, clock, close_after_s=3600)
    events = before.apply(signal("river-level", "RS01", ORANGE))
    events += before.apply(signal("river-level", "RS02", ORANGE))
    events.append(before.resolve(1, "谭芳", ""))
    events.append(before.resolve(2, "刘亮", ""))
    events.append(before.close(2, "值班员", ""))
    after = make_book(town, clock, stored(events), last_id=2, last_seq=before.last_seq, close_after_s=3600)
    assert sorted(after.by_id) == [1]
    clock.advance(3600)
    (closed,) = after.tick()
    assert closed.alert.id == 1 and closed.alert.state is AlertState.CLOSED


def test_rules_restored_from_an_open_alert_clear_it_when_the_river_falls() -> None:
    town = full_town()
    clock = FakeClock()
    book = make_book(town, clock)
    (event,) = book.apply(signal("river-level", "RS01", RED, value=59.8))
    fresh = RuleSet.for_town(town, T0)
    assert fresh.on_readings([reading("RS01", "water_level", 57.0, T0 + 60)]) == [], \
        "a fresh rule does not know the alert is open"
    restored = RuleSet.for_town(town, T0)
    restored.restore(event.alert)
    (cleared,) = restored.on_readings([reading("RS01", "water_level", 57.0, T0 + 60)])
    assert (cleared.rule, cleared.source, cleared.severity) == ("river-level", "RS01", None)
    rising = RuleSet.for_town(town, T0)
    rising.restore(event.alert)
    (same,) = rising.on_readings([reading("RS01", "water_level", 59.6, T0 + 60)])
    assert same.severity is RED
    assert book.apply(same) == [], "the restored condition repeats the open alert"
