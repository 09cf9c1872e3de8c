"""A town's outbox and the county's store on a real SQLite and PostgreSQL: numbering, order, acknowledgement,
repeats stored once."""

from __future__ import annotations

from adapters.county.county_store import SqlCountyStore
from adapters.county.directive_store import SqlDirectiveBox
from adapters.county.outbox_store import SqlOutbox
from hub.county.config import Stream
from hub.county.messages import AlertUp, LinkBatch, SummaryUp

A, S, C = Stream.ALERTS, Stream.SUMMARY, Stream.CASES


def alert(n: int, state: str = "raised") -> AlertUp:
    return AlertUp(town_seq=n, alert_id=n, rule="river-level", source=f"RS0{n}", title="水位超警", severity="orange",
                   state=state, message="", action="raise", actor="system", note="", at=float(n), raised_at=1.0)


def summary(at: float) -> SummaryUp:
    return SummaryUp(at=at, alerts_open={"orange": 1}, cases_open=0, cases_overdue=0, devices={"online": 3})


def test_messages_are_numbered_per_stream_and_come_out_in_order(sql_url: str) -> None:
    box = SqlOutbox(sql_url)
    try:
        made = box.add([(A, alert(1)), (S, summary(1)), (A, alert(2))])
        assert [(m.stream, m.seq) for m in made] == [(A, 1), (S, 1), (A, 2)]
        box.add([(A, alert(3))])
        assert [(m.stream, m.seq) for m in box.oldest(10)] == [(A, 1), (S, 1), (A, 2), (A, 3)]
        assert [(m.stream, m.seq) for m in box.oldest(2)] == [(A, 1), (S, 1)]
        assert box.oldest(1)[0].body == alert(1)
    finally:
        box.close()


def test_what_the_county_acknowledged_is_forgotten_and_numbering_goes_on(sql_url: str) -> None:
    box = SqlOutbox(sql_url)
    try:
        box.add([(A, alert(1)), (A, alert(2)), (S, summary(1)), (A, alert(3))])
        assert box.acknowledge({A: 2}) == 2
        assert [(m.stream, m.seq) for m in box.oldest(10)] == [(S, 1), (A, 3)]
        assert box.acknowledge({A: 3, S: 1}) == 2
        assert box.backlog() == 0
    finally:
        box.close()
    box = SqlOutbox(sql_url)  # as after a restart: the outbox empty, the numbers kept
    try:
        assert [(m.stream, m.seq) for m in box.add([(A, alert(4)), (C, summary(2))])] == [(A, 4), (C, 1)]
    finally:
        box.close()


def test_the_county_stores_a_batch_once_however_often_it_comes(sql_url: str) -> None:
    box, county = SqlOutbox(sql_url), SqlCountyStore(sql_url)
    try:
        box.add([(A, alert(1)), (A, alert(1, "acknowledged")), (S, summary(5)), (A, alert(2))])
        batch = LinkBatch(town="qingxi", backlog=4, messages=box.oldest(10))
        first = county.receive("qingxi", batch, now=100.0)
        again = county.receive("qingxi", batch, now=101.0)
        assert (len(first.fresh), first.repeats) == (4, 0)
        assert (len(again.fresh), again.repeats) == (0, 4)
        assert again.last == {A: 3, S: 1}
        log = county.alert_log("qingxi")
        assert [(e["seq"], e["alert_id"], e["state"]) for e in log] == [(1, 1, "raised"), (2, 1, "acknowledged"),
                                                                       (3, 2, "raised")]
        assert {a["alert_id"]: a["state"] for a in county.alerts("qingxi")} == {1: "acknowledged", 2: "raised"}
        assert county.summaries()["qingxi"]["at"] == 5.0
        assert county.links() == {"qingxi": (101.0, 4)}
        assert county.alert_log("hekou") == []  # per town
    finally:
        box.close()
        county.close()


def test_a_directive_is_kept_once_and_its_acknowledgement_goes_up_once(sql_url: str) -> None:
    county, box = SqlCountyStore(sql_url), SqlOutbox(sql_url)
    inbox = SqlDirectiveBox(sql_url, box)
    try:
        issued = county.issue(["qingxi", "hekou"], "防汛通知", "今晚加强巡查", "县应急局 李华", now=10.0)
        assert [d.id for d in county.pending("qingxi", 0)] == [issued[0].id]
        assert county.pending("qingxi", issued[0].id) == []
        arrived = county.pending("qingxi", 0)
        assert len(inbox.keep(arrived, now=11.0)) == 1
        assert inbox.keep(arrived, now=12.0) == []  # the answer repeated
        assert inbox.last_id() == issued[0].id
        acked = inbox.acknowledge(issued[0].id, "值班员 张伟", now=13.0)
        assert (acked.acked_by, acked.acked_at) == ("值班员 张伟", 13.0)
        assert inbox.acknowledge(issued[0].id, "管理员", now=14.0).acked_by == "值班员 张伟"
        up = box.oldest(10)
        assert [(m.stream, m.seq, m.body.kind) for m in up] == [(Stream.DIRECTIVES, 1, "directive_ack")]
        forged = LinkBatch(town="hekou", backlog=1, messages=up)  # hekou's own directive is another row
        county.receive("hekou", forged, now=15.0)
        assert all(d["acked_by"] is None for d in county.directives())
        county.receive("qingxi", LinkBatch(town="qingxi", backlog=1, messages=up), now=16.0)
        assert [(d["town"], d["acked_by"]) for d in county.directives()] == [("hekou", None), ("qingxi", "值班员 张伟")]
    finally:
        inbox.close()
        box.close()
        county.close()
