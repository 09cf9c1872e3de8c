"""The SQL case store on real SQLite and real PostgreSQL: cases and their trail, queries, tokens, records."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from adapters.case_store import SqlCaseStore
from hub.cases.appointments import Appointment
from hub.cases.book import CaseBook
from hub.cases.mediation import Mediation, Party
from hub.cases.model import CaseEvent, CaseState, Source, UnitKind
from hub.cases.store import CaseQuery
from tests.case_support import OFFICER, Clock, book, case_in, new_case, town_ts

pytestmark = pytest.mark.integration


@pytest.fixture
def store(sql_url: str) -> Iterator[SqlCaseStore]:
    store = SqlCaseStore(sql_url)
    yield store
    store.close()


def keep(store: SqlCaseStore, events: list[CaseEvent], token: tuple[str, int] | None = None) -> None:
    store.save(list({e.case.id: e.case for e in events}.values()), [e.entry for e in events], token)


def recording(store: SqlCaseStore, b: CaseBook) -> CaseBook:
    """Save every event the book makes, the way the service does."""
    for name in ("receive", "accept", "route", "start", "handle", "verify", "close", "rate", "reject", "merge"):
        original = getattr(b, name)

        def saving(*args: object, _original: object = original, **kwargs: object) -> object:
            made = _original(*args, **kwargs)  # type: ignore[operator]
            keep(store, made if isinstance(made, list) else [made])
            return made

        setattr(b, name, saving)
    return b


def test_a_case_and_its_trail_come_back_whole(store: SqlCaseStore) -> None:
    b = recording(store, book())
    case = case_in(b, CaseState.RATED)
    back = store.get(case.id)
    assert back == case
    assert back is not None and back.lead is not None and back.lead.kind is UnitKind.DEPARTMENT
    assert back.requester is not None and back.requester.phone == "13812341234"
    trail = store.entries(case.id)
    assert [e.state for e in trail] == [CaseState.RECEIVED, CaseState.ACCEPTED, CaseState.ROUTED, CaseState.HANDLING,
                                        CaseState.HANDLED, CaseState.VERIFIED, CaseState.CLOSED, CaseState.RATED]
    assert trail[2].detail == {"lead": "department:judicial", "assisting": "grid:G01"}
    assert store.last_ids() == (case.id, trail[-1].seq, 0)


def test_open_cases_and_queries(store: SqlCaseStore) -> None:
    clock = Clock()
    b = recording(store, book(clock))
    routed = case_in(b, CaseState.ROUTED)
    closed = case_in(b, CaseState.CLOSED)
    clock.at("2026-03-10 09:00")
    elsewhere = b.receive(new_case(grid="G30", category="water-supply", source=Source.WECHAT), OFFICER)[0].case
    to_village = b.route(b.accept(elsewhere, OFFICER).case, "village:qingxi-sq", [], OFFICER).case
    assert {c.id for c in store.open_cases()} == {routed.id, to_village.id}
    assert [c.id for c in store.find(CaseQuery())] == [to_village.id, closed.id, routed.id]
    assert [c.id for c in store.find(CaseQuery(states=(CaseState.CLOSED,)))] == [closed.id]
    assert [c.id for c in store.find(CaseQuery(category=("water-supply",)))] == [to_village.id]
    assert [c.id for c in store.find(CaseQuery(source=Source.WECHAT))] == [to_village.id]
    assert [c.id for c in store.find(CaseQuery(grid="G30"))] == [to_village.id]
    # A village's cases: its own, and those routed to it from elsewhere.
    own = store.find(CaseQuery(village="qingxi-sq"))
    assert {c.id for c in own} == {routed.id, closed.id, to_village.id}
    assert to_village.village != "qingxi-sq"
    assert [c.id for c in store.find(CaseQuery(since=town_ts("2026-03-10 00:00")))] == [to_village.id]
    assert [c.id for c in store.find(CaseQuery(until=town_ts("2026-03-10 00:00"), limit=1))] == [closed.id]
    assert [c.id for c in store.find(CaseQuery(ids=(routed.id,)))] == [routed.id]


def test_tokens_mediation_and_appointments(store: SqlCaseStore) -> None:
    b = book()
    [received] = b.receive(new_case(), OFFICER)
    keep(store, [received], ("a" * 32, received.case.id))
    assert store.case_of_token("a" * 32) == received.case.id and store.case_of_token("b" * 32) is None
    assert store.mediation(received.case.id) is None
    record = Mediation(case_id=received.case.id, parties=(Party(name="王秀英", role="applicant"),))
    noted = b.note(received.case, OFFICER, "登记当事人")
    store.save_mediation(received.case.id, record.model_dump_json(), noted.case, noted.entry)
    assert Mediation.model_validate_json(store.mediation(received.case.id) or "") == record
    assert store.entries(received.case.id)[-1].note == "登记当事人"
    start = town_ts("2026-03-11 09:00")
    first = Appointment(1, "mediation-1", start, start + 3600, "王秀英", "13812341234", "调解", OFFICER, start)
    store.save_appointment(first)
    store.save_appointment(Appointment(2, "mediation-2", start, start + 1800, "李", "", "咨询", OFFICER, start))
    assert [a.id for a in store.appointments("mediation-1", start + 1800, start + 7200)] == [1]
    assert [a.id for a in store.appointments(None, start - 3600, start + 60)] == [1, 2]
    assert store.appointments("mediation-1", start + 3600, start + 7200) == []  # back to back is no overlap
    store.save_appointment(Appointment(1, "mediation-1", start, start + 3600, "王秀英", "", "调解", OFFICER, start,
                                       cancelled=True))
    assert store.appointment(1) is not None and store.appointment(1).cancelled  # type: ignore[union-attr]
    assert store.last_ids()[2] == 2


def test_everything_is_there_after_a_restart(sql_url: str, store: SqlCaseStore) -> None:
    b = recording(store, book())
    case = case_in(b, CaseState.HANDLING)
    again = SqlCaseStore(sql_url)
    try:
        assert again.open_cases() == [case] and again.last_ids()[:2] == store.last_ids()[:2]
    finally:
        again.close()
