"""The dispatch book and recommendations, on a clock the test moves (pure logic)."""

from __future__ import annotations

import pytest

from hub.dispatch.book import TRAIL_FIXES, DispatchBook, DispatchError
from hub.dispatch.config import DispatchConfig
from hub.dispatch.model import Action, DispatchState, Location, Step, TeamStatus
from hub.dispatch.recommend import alert_place, distance_km, recommend
from hub.dispatch.roster import Roster, TeamEdits
from hub.town import Member
from tests.alert_support import T0, FakeClock
from tests.support import sample_town

TOWN = sample_town().town
FIX = Location(113.0668, 27.2151, T0)


def book(clock: FakeClock, **config: object) -> DispatchBook:
    return DispatchBook(TOWN, DispatchConfig.model_validate(config), clock)


def test_steps_go_forward_may_skip_and_fill_the_times_they_skip() -> None:
    clock = FakeClock()
    b = book(clock)
    [event] = b.assign(7, ["T01"], "巡查河堤", "值班员")
    job = event.dispatch
    assert job is not None and b.teams["T01"].status is TeamStatus.DISPATCHED
    clock.advance(60)
    moved = b.step(job.id, "T01", "T01.1", Step.EN_ROUTE).dispatch
    assert moved is not None and moved.acknowledged_at == moved.en_route_at == T0 + 60
    assert b.teams["T01"].status is TeamStatus.EN_ROUTE
    with pytest.raises(DispatchError, match="already en_route"):
        b.step(job.id, "T01", "T01.1", Step.ACKNOWLEDGE)
    with pytest.raises(DispatchError, match="needs a GPS fix"):
        b.step(job.id, "T01", "T01.1", Step.ON_SCENE)
    with pytest.raises(PermissionError):
        b.step(job.id, "T02", "T02.1", Step.ON_SCENE, location=FIX)
    b.step(job.id, "T01", "T01.1", Step.ON_SCENE, location=FIX)
    assert b.teams["T01"].location == FIX
    with pytest.raises(DispatchError, match="needs a note"):
        b.step(job.id, "T01", "T01.1", Step.CLEAR)
    done = b.step(job.id, "T01", "T01.1", Step.CLEAR, note="已处置").dispatch
    assert done is not None and done.state is DispatchState.CLEARED
    assert b.teams["T01"].status is TeamStatus.RETURNING


def test_one_active_dispatch_per_team_and_alert_and_reassign_cancels_with_the_reason() -> None:
    b = book(FakeClock())
    [first] = b.assign(7, ["T01"], "巡查", "值班员")
    with pytest.raises(DispatchError, match="already has an active dispatch"):
        b.assign(7, ["T01", "T02"], "巡查", "值班员")
    assert b.active(alert_id=7) == [first.dispatch]  # refused whole: T02 was not sent either
    assert first.dispatch is not None
    cancelled, moved = b.reassign(first.dispatch.id, "T02", "值班员", "一队车辆故障")
    assert cancelled.dispatch is not None and cancelled.dispatch.state is DispatchState.CANCELLED
    assert "一队车辆故障" in cancelled.dispatch.reason and b.teams["T01"].status is TeamStatus.AVAILABLE
    assert moved.dispatch is not None and moved.dispatch.team == "T02"
    with pytest.raises(DispatchError, match="still has active dispatches"):
        b.set_team_status("T02", TeamStatus.UNAVAILABLE, "值班员", "")


def test_no_acknowledgement_reminds_once_then_escalates_once() -> None:
    clock = FakeClock()
    b = book(clock, acknowledge_within_min=5)
    b.assign(7, ["T03"], "核查", "值班员")
    clock.advance(299)
    assert b.tick() == []
    clock.advance(1)
    assert [e.entry.action for e in b.tick()] == [Action.REMIND]
    clock.advance(299)
    assert b.tick() == []
    clock.advance(1)
    assert [e.entry.action for e in b.tick()] == [Action.ESCALATE]
    clock.advance(3600)
    assert b.tick() == []


def test_recommendations_put_available_teams_first_nearest_first_by_fresh_fix_else_base() -> None:
    clock = FakeClock()
    b = book(clock)
    target = alert_place(TOWN, "RS01", None)
    b.locate("T12", Location(target[0] + 0.001, target[1], T0))  # a phone 100 m away
    b.assign(7, ["T06"], "巡查", "值班员")  # busy, though its base is near
    ranked = recommend(TOWN, TOWN.teams, b.teams, target, clock(), 30.0, 1800)
    assert (ranked[0].team, ranked[0].basis) == ("T12", "phone") and ranked[0].distance_km < 0.2
    assert ranked[-1].team == "T06" and ranked[-1].status is TeamStatus.DISPATCHED
    assert [r.distance_km for r in ranked[1:-1]] == sorted(r.distance_km for r in ranked[1:-1])
    assert ranked[1].eta_min == pytest.approx(ranked[1].distance_km / 30 * 60, abs=0.1)
    clock.advance(1801)  # the fix is stale now
    stale = recommend(TOWN, TOWN.teams, b.teams, target, clock(), 30.0, 1800)
    assert next(r for r in stale if r.team == "T12").basis == "base"


def test_distance_is_great_circle() -> None:
    assert distance_km((113.0, 27.0), (113.0, 28.0)) == pytest.approx(111.2, abs=0.2)


def test_roster_numbers_are_for_life() -> None:
    roster = Roster(TOWN, {})
    size = len(TOWN.teams[0].members)
    team = TOWN.teams[0].id
    edits = TeamEdits(added=(Member(name="李新", phone="13907310099"),), left=(1,))
    roster.edit(team, edits)
    ids = [m.id for m in roster.of_team(team)]
    assert ids[0] == f"{team}.2" and ids[-1] == f"{team}.{size + 1}"
    assert roster.next_number(team) == size + 2
    assert f"{team}.1" not in roster.members


def test_shared_positions_make_a_bounded_trail_of_newer_fixes() -> None:
    clock = FakeClock()
    b = book(clock)
    for i in range(TRAIL_FIXES + 5):
        b.locate("T01", Location(113.0 + i * 1e-4, 27.2, T0 + 30 * i))
    b.locate("T01", Location(110.0, 20.0, T0))  # late and older than the last: not where the team is now
    trail = b.trail("T01", T0)
    assert len(trail) == TRAIL_FIXES and trail[0].ts == T0 + 30 * 5 and trail[-1] == b.teams["T01"].location
    assert [f.ts for f in b.trail("T01", T0 + 30 * 100, T0 + 30 * 102)] == [T0 + 3000, T0 + 3030, T0 + 3060]
    assert b.trail("T02", T0) == []
