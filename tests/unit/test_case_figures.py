"""Case figures: cohorts by the period received, in progress, handled, overdue, on time and the rate."""

from __future__ import annotations

from hub.cases.figures import period_of, tally
from hub.cases.model import CaseState, Source
from tests.case_support import OFFICER, TZ, UNIT, Clock, book, case_in, new_case, town_ts


def test_periods_in_town_time() -> None:
    late = town_ts("2026-03-01 23:30")  # a Sunday night in the town, still Sunday afternoon in UTC
    assert period_of(late, "day", TZ) == "2026-03-01"
    assert period_of(late, "week", TZ) == "2026-W09"
    assert period_of(town_ts("2026-03-02 00:10"), "week", TZ) == "2026-W10"
    assert period_of(late, "month", TZ) == "2026-03" and period_of(late, "all", TZ) == "all"


def test_a_month_of_cases_by_category() -> None:
    clock = Clock("2026-03-02 09:00")
    b = book(clock)
    on_time = case_in(b, CaseState.HANDLED, new_case(category="self-built-housing"))  # 3 working days
    rated = b.rate(b.close(b.verify(case_in(b, CaseState.HANDLED), OFFICER).case, OFFICER).case, 4, OFFICER).case
    late = case_in(b, CaseState.HANDLING, new_case(category="self-built-housing"))
    clock.at("2026-03-09 10:00")
    handled_late = b.handle(b.cases[late.id], UNIT, "已加固").case
    still_open = case_in(b, CaseState.ROUTED, new_case(category="self-built-housing", source=Source.WECHAT))
    rejected = case_in(b, CaseState.REJECTED)
    clock.at("2026-03-16 10:00")  # the routed one is past its limit by now
    cases = [on_time, rated, handled_late, b.cases[still_open.id], rejected]
    rows = {(r.period, r.key): r for r in tally(cases, clock(), TZ, "category", "week")}
    housing = rows[("2026-W10", "self-built-housing")]
    assert (housing.received, housing.handled, housing.in_progress) == (2, 2, 0)
    assert (housing.on_time, housing.overdue, housing.on_time_rate) == (1, 1, 0.5)
    later = rows[("2026-W11", "self-built-housing")]
    assert (later.received, later.in_progress, later.overdue, later.on_time_rate) == (1, 1, 1, None)
    disputes = rows[("2026-W10", "disputes")]
    assert (disputes.handled, disputes.on_time_rate, disputes.satisfaction) == (1, 1.0, 4.0)
    assert rows[("2026-W11", "disputes")].rejected == 1
    [total] = tally(cases, clock(), TZ)
    assert (total.received, total.handled, total.in_progress, total.overdue, total.rejected) == (5, 3, 1, 2, 1)
    assert total.on_time_rate == round(2 / 3, 4)
    by_source = {r.key: r.received for r in tally(cases, clock(), TZ, "source")}
    assert by_source == {"desk": 4, "wechat": 1}
