"""The call book: who may join, joins and rejoins, drops, removal, the end, and the times kept."""

from __future__ import annotations

import pytest

from hub.calls.book import CallBook, CallError, CallRefused
from hub.calls.history import note
from hub.calls.model import CallAction, CallState, Presence, Side
from hub.calls.tiles import Feed, visible
from hub.users.model import Principal, Role
from tests.support import ManualClock

OFFICER = Principal("duty", "张伟", Role.officer)
CADRE = Principal("cadre.a", "李四", Role.cadre, village="qingxi-a")
OTHER = Principal("cadre.b", "王五", Role.cadre, village="qingxi-b")
PATROL = Principal("T01.1", "赵六", Role.patrol, team="T01")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(1_800_000_000.0)


def test_only_invited_villages_and_the_centre_may_join(clock: ManualClock) -> None:
    book = CallBook(clock)
    call = book.open("河水上涨", ("qingxi-a",), OFFICER.actor, alert_id=7).call
    assert book.check(call.id, OFFICER) and book.check(call.id, CADRE)
    for refused in (OTHER, PATROL):
        with pytest.raises(CallRefused):
            book.check(call.id, refused)
    book.invite(call.id, ("qingxi-b",), OFFICER.actor)
    assert book.check(call.id, OTHER)
    with pytest.raises(KeyError):
        book.check(call.id + 1, OFFICER)


def test_join_drop_rejoin_keeps_the_time_in_the_call(clock: ManualClock) -> None:
    book = CallBook(clock)
    call_id = book.open("巡查", ("qingxi-a",), OFFICER.actor).call.id
    joined = book.join(call_id, CADRE)
    assert joined.entry is not None and joined.entry.action is CallAction.JOIN
    assert book.join(call_id, CADRE).entry is None  # a second page of the same account changes nothing
    clock.now += 60
    dropped = book.leave(call_id, CADRE, dropped=True)
    assert dropped is not None and dropped.entry is not None and dropped.entry.action is CallAction.DROP
    clock.now += 30
    again = book.join(call_id, CADRE)
    assert again.entry is not None and again.entry.action is CallAction.REJOIN
    clock.now += 60
    who = again.call.participant("cadre.a")
    assert who is not None and who.joins == 2 and who.presence is Presence.IN
    assert who.seconds_in(clock.now) == 120 and who.side is Side.VILLAGE


def test_removed_may_not_come_back_and_the_end_closes_everyone_out(clock: ManualClock) -> None:
    book = CallBook(clock)
    call_id = book.open("巡查", ("qingxi-a", "qingxi-b"), OFFICER.actor).call.id
    book.join(call_id, OFFICER)
    book.join(call_id, CADRE)
    book.join(call_id, OTHER)
    removed = book.remove(call_id, "cadre.b", OFFICER.actor)
    assert removed.entry is not None and removed.entry.username == "cadre.b"
    with pytest.raises(CallRefused):
        book.join(call_id, OTHER)
    with pytest.raises(CallError):
        book.remove(call_id, "cadre.b", OFFICER.actor)
    clock.now += 600
    ended = book.end(call_id, OFFICER.actor)
    assert ended.call.state is CallState.ENDED and ended.call.ended_at == clock.now
    assert {p.username: p.presence for p in ended.call.participants} == {
        "duty": Presence.LEFT, "cadre.a": Presence.LEFT, "cadre.b": Presence.REMOVED}
    assert call_id not in book.calls
    with pytest.raises(KeyError):
        book.join(call_id, OFFICER)


def test_the_alert_history_says_who_took_part_and_when(clock: ManualClock) -> None:
    book = CallBook(clock)
    opened = book.open("河水上涨", ("qingxi-a",), OFFICER.actor, alert_id=7)
    assert opened.entry is not None
    opened_note = note(opened.call, opened.entry, {"qingxi-a": "青溪村"}, "Asia/Shanghai")
    assert opened_note == "视频调度 #1「河水上涨」开始，邀请青溪村"
    book.join(1, OFFICER)
    clock.now += 300
    book.join(1, CADRE)
    clock.now += 300
    ended = book.end(1, OFFICER.actor)
    assert ended.entry is not None
    text = note(ended.call, ended.entry, {"qingxi-a": "青溪村"}, "Asia/Shanghai")
    assert text == ("视频调度 #1 结束，历时 10 分钟；参加：张伟（中心）16:00–16:10，在线 10 分钟，"
                    "李四（青溪村）16:05–16:10，在线 5 分钟")


def test_after_a_restart_whoever_was_in_is_dropped(clock: ManualClock) -> None:
    book = CallBook(clock)
    call_id = book.open("巡查", ("qingxi-a",), OFFICER.actor).call.id
    call = book.join(call_id, CADRE).call
    restarted = CallBook(clock, [call], last_id=1, last_seq=2)
    events = restarted.after_restart()
    assert [(e.entry.action, e.entry.seq) for e in events if e.entry] == [(CallAction.DROP, 3)]
    assert restarted.calls[call_id].participant("cadre.a").presence is Presence.DROPPED  # type: ignore[union-attr]


def test_the_centre_sees_everyone_a_village_the_centre_and_who_spoke_last() -> None:
    feeds = [Feed(1, "duty", Side.CENTRE, 0), *(Feed(10 + i, f"cadre.{i}", Side.VILLAGE, i + 1) for i in range(6))]
    assert visible("duty", Side.CENTRE, feeds, {}, 2) == {10, 11, 12, 13, 14, 15}
    assert visible("cadre.0", Side.VILLAGE, feeds, {}, 2) == {1, 11, 12}  # first come, while nobody spoke
    assert visible("cadre.0", Side.VILLAGE, feeds, {15: 5.0, 14: 9.0}, 2) == {1, 14, 15}
    assert visible("cadre.0", Side.VILLAGE, feeds, {}, 0) == {1}
