"""The alert book: one alert per rule and source, repeats, severity changes, auto-resolve, reopen and actions."""

from __future__ import annotations

import pytest

from hub.alerts.book import AlertActionError, AlertBook
from hub.alerts.config import Match, NoDataRule
from hub.alerts.model import SYSTEM, Action, AlertEvent, AlertState, Severity
from tests.alert_support import T0, FakeClock, make_book, signal, town_with

BLUE, YELLOW, ORANGE, RED = Severity


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def book(clock: FakeClock) -> AlertBook:
    return make_book(town_with(), clock)


def actions(events: list[AlertEvent]) -> list[Action]:
    return [e.transition.action for e in events if e.transition is not None]


def raise_level(book: AlertBook, severity: Severity = ORANGE, source: str = "RS01", value: float = 58.1) -> int:
    (event,) = book.apply(signal("river-level", source, severity, value=value))
    assert event.transition is not None and event.transition.action is Action.RAISE
    return event.alert.id


def test_a_signal_raises_an_alert_with_its_place(book: AlertBook) -> None:
    (event,) = book.apply(signal("river-level", "RS01", ORANGE, value=58.1))
    alert = event.alert
    assert (alert.id, alert.rule, alert.source, alert.title) == (1, "river-level", "RS01", "水位超警")
    assert (alert.severity, alert.state, alert.count, alert.value) == (ORANGE, AlertState.RAISED, 1, 58.1)
    assert (alert.device, alert.grid, alert.village) == ("RS01", "G19", "shimen")
    assert (alert.raised_at, alert.active, alert.escalation_level) == (T0, True, 0)
    assert event.transition is not None
    assert (event.transition.actor, event.transition.ts, event.transition.state) == (SYSTEM, T0, AlertState.RAISED)


def test_repeats_update_count_and_value_without_transitions(book: AlertBook, clock: FakeClock) -> None:
    alert_id = raise_level(book)
    for value in (58.2, 58.3, 58.25):
        clock.advance(60)
        assert book.apply(signal("river-level", "RS01", ORANGE, value=value)) == []
    (update,) = book.take_updates()
    assert update.transition is None
    assert (update.alert.id, update.alert.count, update.alert.value) == (alert_id, 4, 58.25)
    assert update.alert.last_seen_at == T0 + 180
    assert book.take_updates() == []
    assert book.last_seq == 1


def test_one_alert_per_rule_and_source(book: AlertBook) -> None:
    first = raise_level(book, source="RS01")
    second = raise_level(book, source="RS02")
    (other_rule,) = book.apply(signal("river-rise", "RS01", YELLOW, value=0.4))
    assert len({first, second, other_rule.alert.id}) == 3
    assert book.apply(signal("river-level", "RS02", ORANGE)) == []
    assert sorted(a.id for a in book.open_alerts()) == [1, 2, 3]


def test_severity_rises_and_falls_while_open(book: AlertBook, clock: FakeClock) -> None:
    raise_level(book, ORANGE)
    clock.advance(60)
    (up,) = book.apply(signal("river-level", "RS01", RED, value=59.6))
    assert up.transition is not None
    assert (up.transition.action, up.transition.note, up.transition.severity) == (
        Action.SEVERITY, "由橙色升为红色", RED)
    assert (up.alert.severity, up.alert.value, up.alert.count) == (RED, 59.6, 2)
    clock.advance(60)
    (down,) = book.apply(signal("river-level", "RS01", ORANGE, value=59.0))
    assert down.transition is not None and down.transition.note == "由红色降为橙色"
    assert down.alert.severity is ORANGE and down.alert.id == up.alert.id


def test_a_rise_in_severity_brings_the_escalation_forward(book: AlertBook, clock: FakeClock) -> None:
    raise_level(book, ORANGE)
    assert book.by_id[1].next_escalation_at == T0 + 15 * 60
    clock.advance(60)
    book.apply(signal("river-level", "RS01", RED))
    assert book.by_id[1].next_escalation_at == T0 + 60 + 5 * 60
    clock.advance(60)
    book.apply(signal("river-level", "RS01", ORANGE))
    assert book.by_id[1].next_escalation_at == T0 + 60 + 5 * 60, "a fall does not put it off"


def test_auto_resolve_waits_clear_for_s(book: AlertBook, clock: FakeClock) -> None:
    raise_level(book)  # river-level: clear_for_s 600
    clock.advance(100)
    assert book.apply(signal("river-level", "RS01", None)) == []
    alert = book.by_id[1]
    assert (alert.active, alert.cleared_at, alert.state) == (False, T0 + 100, AlertState.RAISED)
    clock.advance(599)
    assert book.tick() == []
    clock.advance(1)
    (resolved,) = book.tick()
    assert resolved.transition is not None
    assert (resolved.transition.action, resolved.transition.actor) == (Action.RESOLVE, SYSTEM)
    assert resolved.transition.note == "条件已解除 10 分钟，自动恢复"
    assert (resolved.alert.state, resolved.alert.resolved_at) == (AlertState.RESOLVED, T0 + 700)
    assert book.open_alerts() == []


def test_a_recurrence_before_clear_for_s_keeps_the_alert_open(book: AlertBook, clock: FakeClock) -> None:
    raise_level(book)
    clock.advance(100)
    book.apply(signal("river-level", "RS01", None))
    clock.advance(300)
    assert book.apply(signal("river-level", "RS01", ORANGE)) == []
    assert (book.by_id[1].active, book.by_id[1].cleared_at) == (True, None)
    clock.advance(3600)
    assert Action.RESOLVE not in actions(book.tick())
    assert book.by_id[1].state is AlertState.RAISED


def test_flapping_does_not_open_new_alerts(book: AlertBook, clock: FakeClock) -> None:
    raise_level(book)
    events = []
    for _ in range(10):
        clock.advance(60)
        events += book.apply(signal("river-level", "RS01", None))
        clock.advance(60)
        events += book.apply(signal("river-level", "RS01", ORANGE))
        events += book.tick()
    assert set(actions(events)) <= {Action.ESCALATE}, "escalation goes on; nothing opens, resolves or reopens"
    assert [a.id for a in book.open_alerts()] == [1]
    assert book.by_id[1].count == 11


def test_clear_for_zero_resolves_at_once(book: AlertBook, clock: FakeClock) -> None:
    book.apply(signal("device-offline", "CAM01", YELLOW))
    clock.advance(30)
    (resolved,) = book.apply(signal("device-offline", "CAM01", None))
    assert resolved.transition is not None and resolved.transition.note == "条件已解除，自动恢复"
    assert resolved.alert.state is AlertState.RESOLVED


def test_a_clear_for_an_unknown_or_cleared_alert_does_nothing(book: AlertBook) -> None:
    assert book.apply(signal("river-level", "RS01", None)) == []
    book.apply(signal("device-offline", "CAM01", YELLOW))
    book.apply(signal("device-offline", "CAM01", None))
    assert book.apply(signal("device-offline", "CAM01", None)) == []


def test_without_auto_resolve_the_alert_waits_for_a_person(clock: FakeClock) -> None:
    rule = NoDataRule(id="quality-silent", title="水质站无数据", match=Match(kinds=("water_quality",)),
                      silent_s=600, auto_resolve=False)
    book = make_book(town_with(rule), clock)
    book.apply(signal("quality-silent", "WQ01", YELLOW))
    clock.advance(60)
    (cleared,) = book.apply(signal("quality-silent", "WQ01", None))
    assert cleared.transition is not None
    assert (cleared.transition.action, cleared.transition.note) == (Action.CONDITION_CLEARED, "条件已解除，待人工处置")
    assert cleared.alert.state is AlertState.RAISED and not cleared.alert.active
    clock.advance(86400)
    book.acknowledge(1, "谭芳", "")
    assert Action.RESOLVE not in actions(book.tick())


def test_an_alert_resolved_while_its_condition_held_says_so_when_it_comes_back(
        book: AlertBook, clock: FakeClock) -> None:
    raise_level(book)
    book.resolve(1, "值班员 张伟 (duty)", "先行解除")
    assert book.by_id[1].active  # the level is still over
    clock.advance(60)
    (reopened,) = book.apply(signal("river-level", "RS01", RED, value=59.7))
    assert reopened.transition is not None and reopened.transition.action is Action.REOPEN
    assert reopened.transition.note == "1 分钟后再次出现；解除时条件仍成立，重新逐级通知"
    assert reopened.alert.escalation_level == 0 and reopened.alert.state is AlertState.RAISED


def test_a_recurrence_soon_after_resolving_reopens_the_same_alert(book: AlertBook, clock: FakeClock) -> None:
    raise_level(book)
    book.acknowledge(1, "谭芳", "已到现场")
    book.apply(signal("river-level", "RS01", None))
    clock.advance(600)
    book.tick()
    assert book.by_id[1].state is AlertState.RESOLVED
    clock.advance(1800)  # river-level reopens within 1800 s
    (reopened,) = book.apply(signal("river-level", "RS01", RED, value=59.7))
    assert reopened.transition is not None
    assert (reopened.transition.action, reopened.transition.note) == (Action.REOPEN, "30 分钟后再次出现")
    alert = reopened.alert
    assert (alert.id, alert.state, alert.severity, alert.count) == (1, AlertState.RAISED, RED, 2)
    assert (alert.acknowledged_by, alert.escalation_level, alert.resolved_at) == (None, 0, None)
    assert alert.next_escalation_at == clock.now + 5 * 60


def test_a_recurrence_after_the_reopen_window_opens_a_new_alert(book: AlertBook, clock: FakeClock) -> None:
    raise_level(book)
    book.resolve(1, "谭芳", "水已退")
    clock.advance(1801)
    (event,) = book.apply(signal("river-level", "RS01", ORANGE))
    assert event.transition is not None and event.transition.action is Action.RAISE
    assert event.alert.id == 2
    assert book.by_id[1].state is AlertState.RESOLVED


def test_closing_an_old_alert_leaves_the_new_one_of_the_same_source_open(clock: FakeClock) -> None:
    book = make_book(town_with(), clock, close_after_s=3600)
    raise_level(book)
    book.resolve(1, "谭芳", "水已退")
    clock.advance(1801)
    raise_level(book)  # alert 2, same rule and source
    book.acknowledge(2, "谭芳", "")
    clock.advance(1800)
    assert actions(book.tick()) == [Action.CLOSE]
    assert [a.id for a in book.open_alerts()] == [2]
    assert book.apply(signal("river-level", "RS01", ORANGE)) == [], "a repeat of alert 2, not a new alert"


def test_resolved_alerts_close_after_close_after_s(clock: FakeClock) -> None:
    book = make_book(town_with(), clock, close_after_s=3600)
    raise_level(book)
    book.resolve(1, "谭芳", "")
    clock.advance(3599)
    assert book.tick() == []
    clock.advance(1)
    (closed,) = book.tick()
    assert closed.transition is not None
    assert (closed.transition.action, closed.transition.actor) == (Action.CLOSE, SYSTEM)
    assert closed.transition.note == "恢复后 1.0 小时未复发，自动关闭"
    assert 1 not in book.by_id and book.by_key == {}


def test_people_act_in_order_raised_acknowledged_dispatched_resolved_closed(
        book: AlertBook, clock: FakeClock) -> None:
    raise_level(book)
    clock.advance(60)
    ack = book.acknowledge(1, "谭芳", "收到，去看")
    clock.advance(60)
    dispatched = book.dispatch(1, "值班员", "派巡查队")
    clock.advance(60)
    resolved = book.resolve(1, "巡查队", "已排险")
    clock.advance(60)
    closed = book.close(1, "值班员", "归档")
    trail = [(e.transition.action, e.transition.actor, e.transition.ts, e.transition.note, e.transition.state)
             for e in (ack, dispatched, resolved, closed) if e.transition is not None]
    assert trail == [
        (Action.ACKNOWLEDGE, "谭芳", T0 + 60, "收到，去看", AlertState.ACKNOWLEDGED),
        (Action.DISPATCH, "值班员", T0 + 120, "派巡查队", AlertState.DISPATCHED),
        (Action.RESOLVE, "巡查队", T0 + 180, "已排险", AlertState.RESOLVED),
        (Action.CLOSE, "值班员", T0 + 240, "归档", AlertState.CLOSED),
    ]
    assert (ack.alert.acknowledged_by, ack.alert.next_escalation_at) == ("谭芳", None)
    assert dispatched.alert.acknowledged_by == "谭芳"
    assert closed.alert.updated_at == T0 + 240


def test_dispatch_straight_from_raised_counts_as_acknowledged(book: AlertBook) -> None:
    raise_level(book)
    event = book.dispatch(1, "值班员", "")
    assert (event.alert.state, event.alert.acknowledged_by, event.alert.next_escalation_at) == (
        AlertState.DISPATCHED, "值班员", None)


def test_actions_that_do_not_apply_are_refused_with_a_reason(book: AlertBook) -> None:
    raise_level(book)
    with pytest.raises(AlertActionError, match=r"^alert 1 is raised; resolve it before closing$"):
        book.close(1, "值班员", "")
    book.acknowledge(1, "谭芳", "")
    with pytest.raises(AlertActionError, match=r"^alert 1 is acknowledged; only a raised alert is acknowledged$"):
        book.acknowledge(1, "张清", "")
    book.resolve(1, "谭芳", "")
    with pytest.raises(AlertActionError, match=r"^alert 1 is resolved; only an open alert is resolved$"):
        book.resolve(1, "谭芳", "")
    with pytest.raises(AlertActionError, match=r"^alert 1 is resolved; only an open alert is dispatched$"):
        book.dispatch(1, "谭芳", "")
    book.close(1, "值班员", "")
    with pytest.raises(KeyError):
        book.acknowledge(1, "谭芳", "")
    with pytest.raises(KeyError):
        book.resolve(99, "谭芳", "")


def test_refused_actions_leave_no_trace(book: AlertBook) -> None:
    raise_level(book)
    before = (book.last_seq, book.by_id[1])
    with pytest.raises(AlertActionError):
        book.close(1, "值班员", "")
    assert (book.last_seq, book.by_id[1]) == before


def test_sequence_numbers_strictly_increase_across_alerts_and_actions(book: AlertBook, clock: FakeClock) -> None:
    events = book.apply(signal("river-level", "RS01", ORANGE))
    events += book.apply(signal("device-offline", "CAM01", YELLOW))
    events += book.apply(signal("river-level", "RS01", ORANGE))  # repeat: no seq
    events.append(book.acknowledge(1, "谭芳", ""))
    events += book.apply(signal("river-level", "RS01", RED))
    clock.advance(3600)
    events += book.tick()  # escalates alert 2
    events.append(book.resolve(2, "值班员", ""))
    seqs = [e.transition.seq for e in events if e.transition is not None]
    assert seqs == list(range(1, len(seqs) + 1))
    assert book.last_seq == seqs[-1]


def test_a_book_restored_with_last_ids_continues_numbering(clock: FakeClock) -> None:
    book = make_book(town_with(), clock, last_id=41, last_seq=907)
    (event,) = book.apply(signal("river-level", "RS01", ORANGE))
    assert event.alert.id == 42
    assert event.transition is not None and event.transition.seq == 908
