"""The county's cases and broadcast requests, and a town's side of them, on a real SQLite and PostgreSQL: numbered
per town and stream, kept once at the town, answered once, and a town acting only on what was routed to it."""

from __future__ import annotations

import pytest

from adapters.county.county_store import SqlCountyStore
from adapters.county.intake_store import SqlIntakeStore
from adapters.county.outbox_store import SqlOutbox
from adapters.county.work_box import SqlWorkBox
from hub.county.config import Stream
from hub.county.intake import BroadcastNew, IntakeError, IntakeNew
from hub.county.messages import LinkBatch, LinkMessage, RoutedCaseUp
from hub.county.work import RoutedIn

NEW = IntakeNew(category="roads", title="石门桥护栏断裂", matter="护栏断裂约3米", received_by="县12345中心 张敏")


def reply(case_id: int, routing: int, action: str = "accept", seq: int = 1) -> LinkMessage:
    body = RoutedCaseUp.model_validate({"case_id": case_id, "routing": routing, "action": action, "by": "王强",
                                        "at": 100.0 + seq, "reason": "不属本镇" if action == "send_back" else "",
                                        "town_case_id": 7, "state": "accepted"})
    return LinkMessage(stream=Stream.COUNTY_CASES, seq=seq, body=body)


def test_routings_go_down_numbered_per_town_and_a_town_answers_only_its_own(sql_url: str) -> None:
    intake, county = SqlIntakeStore(sql_url), SqlCountyStore(sql_url)
    try:
        one, two = intake.take(NEW, 10.0), intake.take(NEW, 11.0)
        intake.route(one.id, "qingxi", "张敏", "", 12.0)
        intake.route(two.id, "hekou", "张敏", "", 13.0)
        with pytest.raises(IntakeError):
            intake.route(one.id, "hekou", "张敏", "", 14.0)  # with qingxi until it answers
        with pytest.raises(KeyError):
            intake.route(999, "hekou", "张敏", "", 14.0)
        down = intake.down("qingxi", {})
        assert [(m.stream, m.seq) for m in down] == [("cases", 1)] and down[0].body.model_dump()["case_id"] == one.id
        assert [m.seq for m in intake.down("hekou", {})] == [1]
        assert intake.down("qingxi", {"cases": 1}) == []
        # qingxi claims to accept hekou's case, and a routing of its own case that never was: both ignored
        stray = [reply(two.id, 1), reply(one.id, 2, seq=2)]
        county.receive("qingxi", LinkBatch(town="qingxi", backlog=2, messages=stray), now=20.0)
        assert intake.case(two.id)[0].state == "routed" and len(intake.case(two.id)[1]) == 2
        assert intake.case(one.id)[0].state == "routed"
        batch = LinkBatch(town="qingxi", backlog=1, messages=[reply(one.id, 1, "send_back", seq=3)])
        county.receive("qingxi", batch, now=21.0)
        county.receive("qingxi", batch, now=22.0)  # a repeat: stored once
        case, steps = intake.case(one.id)
        assert case.state == "sent_back" and [s.action for s in steps] == ["receive", "route", "send_back"]
        assert steps[-1].note == "不属本镇"
        intake.route(one.id, "hekou", "张敏", "改派河口镇", 23.0)
        assert [m.seq for m in intake.down("hekou", {})] == [1, 2]
    finally:
        county.close()
        intake.close()


def test_the_town_keeps_each_once_and_only_the_first_answer_counts(sql_url: str) -> None:
    intake, outbox = SqlIntakeStore(sql_url), SqlOutbox(sql_url)
    box = SqlWorkBox(sql_url, outbox)
    try:
        case = intake.take(NEW, 10.0)
        intake.route(case.id, "qingxi", "张敏", "", 12.0)
        intake.request_broadcast(BroadcastNew(towns=["qingxi"], text="注意安全", requested_by="李华"), 13.0)
        down = intake.down("qingxi", {})
        assert len(box.keep(down, 20.0)) == 2 and box.keep(down, 21.0) == []
        assert box.last_seqs() == {"cases": 1, "broadcasts": 1}
        held = box.all(RoutedIn)[0]

        def accept(h: RoutedIn) -> tuple[RoutedIn, RoutedCaseUp]:
            if h.state != "waiting":
                raise RuntimeError("answered already")
            return h.model_copy(update={"state": "accepted"}), RoutedCaseUp(
                case_id=h.case.case_id, routing=h.case.routing, action="accept", by="王强", at=30.0)
        assert box.answer(RoutedIn, held.seq, accept).state == "accepted"
        with pytest.raises(RuntimeError):
            box.answer(RoutedIn, held.seq, accept)
        assert [(m.stream, m.seq) for m in outbox.oldest(10)] == [(Stream.COUNTY_CASES, 1)]
        with pytest.raises(KeyError):
            box.get(RoutedIn, 99)
        assert outbox.oldest(10)[0].body == RoutedCaseUp(case_id=case.id, routing=1, action="accept", by="王强",
                                                         at=30.0)
    finally:
        box.close()
        outbox.close()
        intake.close()
