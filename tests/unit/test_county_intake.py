"""The rules of a county case's routing and a broadcast request's answers, without a database."""

from __future__ import annotations

import pytest

from hub.county.intake import (
    BroadcastRequest,
    IntakeCase,
    IntakeError,
    IntakeState,
    answered,
    broadcast_answered,
    route,
)
from hub.county.messages import BroadcastDown, BroadcastReplyUp, RoutedCaseUp
from hub.county.work import county_ref, parse_ref

CASE = IntakeCase(id=3, number="20261208-0003", category="roads", title="护栏断裂", matter="护栏断裂",
                  received_by="张敏", received_at=1.0, updated_at=1.0)


def up(action: str, routing: int = 1, state: str | None = None, step: str = "") -> RoutedCaseUp:
    return RoutedCaseUp.model_validate({"case_id": 3, "routing": routing, "action": action, "by": "王强", "at": 5.0,
                                        "state": state, "step": step, "reason": "不属本镇"})


def test_a_case_is_routed_once_at_a_time_and_again_after_a_send_back() -> None:
    routed, step, down = route(CASE, "qingxi", "张敏", "请核实", 2.0, 2)
    assert (routed.state, routed.town, routed.routing, step.seq) == (IntakeState.ROUTED, "qingxi", 1, 2)
    assert (down.case_id, down.routing, down.note, down.number) == (3, 1, "请核实", CASE.number)
    with pytest.raises(IntakeError):
        route(routed, "hekou", "张敏", "", 3.0, 3)
    back = answered(routed, "qingxi", up("send_back"), 3)
    assert back is not None and back[0].state is IntakeState.SENT_BACK and back[1].note == "不属本镇"
    again, _, down = route(back[0], "hekou", "张敏", "", 4.0, 4)
    assert (again.town, again.routing, down.routing) == ("hekou", 2, 2)


def test_only_the_town_it_is_routed_to_answers_and_only_for_that_routing() -> None:
    routed, _, _ = route(CASE, "qingxi", "张敏", "", 2.0, 2)
    assert answered(routed, "hekou", up("accept", state="accepted"), 3) is None
    assert answered(routed, "qingxi", up("accept", routing=2, state="accepted"), 3) is None
    assert answered(routed, "qingxi", up("step", state="handling", step="start"), 3) is None  # not accepted yet
    took = answered(routed, "qingxi", up("accept", state="accepted"), 3)
    assert took is not None and took[0].state is IntakeState.ACCEPTED
    assert answered(took[0], "qingxi", up("send_back"), 4) is None  # accepted: no longer its to send back
    closed = answered(took[0], "qingxi", up("step", state="closed", step="close"), 4)
    assert closed is not None and closed[0].state is IntakeState.CLOSED and closed[1].town_step == "close"


def test_a_broadcast_request_is_answered_once_and_its_outcome_follows_a_confirmation() -> None:
    held = BroadcastRequest(id=1, town="qingxi", request=BroadcastDown(request_id=1, text="注意安全",
                                                                       requested_by="李华", requested_at=1.0))

    def reply(action: str) -> BroadcastReplyUp:
        return BroadcastReplyUp.model_validate({"request_id": 1, "action": action, "by": "王强", "at": 2.0,
                                                "played": 3, "failed": 1, "targeted": 4, "job_state": "done"})
    assert broadcast_answered(held, reply("outcome")) is None
    confirmed = broadcast_answered(held, reply("confirm"))
    assert confirmed is not None and confirmed.state == "confirmed"
    assert broadcast_answered(confirmed, reply("decline")) is None
    done = broadcast_answered(confirmed, reply("outcome"))
    assert done is not None and (done.state, done.played, done.failed) == ("done", 3, 1)


def test_a_town_case_names_its_county_case_and_routing() -> None:
    _, _, down = route(CASE, "qingxi", "张敏", "", 2.0, 2)
    assert parse_ref(county_ref(down)) == (3, 1)
    assert parse_ref("alert:7") is None and parse_ref("county:x/1") is None
