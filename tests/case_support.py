"""Helpers for the case tests: a clock in town time, a book on the sample town, cases in any state."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from hub.cases.book import CaseBook
from hub.cases.model import Case, CaseState, Kind, NewCase, Requester, Source
from hub.dispatch.recommend import centroid
from hub.town import Town
from tests.support import ManualClock, sample_town

TZ = ZoneInfo("Asia/Shanghai")
OFFICER = "值班员 张伟 (officer)"
UNIT = "司法所 李华"
PHONE = "13812341234"
ID_NUMBER = "43049919800101123X"


def town_ts(text: str) -> float:
    """Town time 'YYYY-MM-DD HH:MM' as epoch seconds."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=TZ).timestamp()


def local(epoch: float | None) -> str:
    assert epoch is not None
    return datetime.fromtimestamp(epoch, TZ).strftime("%Y-%m-%d %H:%M")


class Clock(ManualClock):
    """A clock the test moves, starting on a Monday morning in March 2026."""

    def __init__(self, start: str = "2026-03-09 09:00") -> None:
        super().__init__(town_ts(start))

    def at(self, text: str) -> float:
        self.now = town_ts(text)
        return self.now


def town() -> Town:
    return sample_town().town


def middle_of(grid: str) -> tuple[float, float]:
    return centroid(town().grids()[grid].polygon)


def new_case(category: str = "disputes", grid: str | None = "G01", matter: str = "邻居在公共通道堆放杂物，多次协商未果",
             **extra: object) -> NewCase:
    fields: dict[str, object] = {
        "source": Source.DESK, "category": category, "title": "邻里通道纠纷", "matter": matter,
        "kind": Kind.DISPUTE, "requester": Requester("王秀英", PHONE, ID_NUMBER, "青溪社区和平路12号"),
        "address": "青溪社区和平路12号", "grid": grid, **extra}
    return NewCase(**fields)  # type: ignore[arg-type]


def book(clock: Clock | None = None) -> CaseBook:
    return CaseBook(town(), town().cases, clock or Clock())


def case_in(b: CaseBook, state: CaseState, new: NewCase | None = None) -> Case:
    """A case taken along the main path until it is in *state* (rejected and merged by their own ways)."""
    case = b.receive(new or new_case(), OFFICER)[-1].case
    steps = [
        (CaseState.ACCEPTED, lambda c: b.accept(c, OFFICER)),
        (CaseState.ROUTED, lambda c: b.route(c, "department:judicial", ["grid:G01"], OFFICER, "请司法所牵头调解")),
        (CaseState.HANDLING, lambda c: b.start(c, UNIT)),
        (CaseState.HANDLED, lambda c: b.handle(c, UNIT, "双方达成协议，杂物已清理")),
        (CaseState.VERIFIED, lambda c: b.verify(c, OFFICER, "电话回访属实")),
        (CaseState.CLOSED, lambda c: b.close(c, OFFICER)),
        (CaseState.RATED, lambda c: b.rate(c, 5, OFFICER, "满意")),
    ]
    if state is CaseState.REJECTED:
        return b.reject(case, OFFICER, "不属于受理范围").case
    if state is CaseState.MERGED:
        other = b.receive(new_case(), OFFICER)[-1].case
        return b.merge(case, other, OFFICER, "重复反映")[0].case
    for reached, step in steps:
        if case.state is state:
            break
        case = step(case).case
        assert case.state is reached
    assert case.state is state
    return case
