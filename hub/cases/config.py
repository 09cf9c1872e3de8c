"""The town file's `cases:` section: categories and their time limits, the calendar, units, rooms, Open311 clients."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from hub.cases import defaults
from hub.cases.model import Kind
from hub.config_base import Strict

CaseId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]


class Limit(Strict):
    """A time limit: working days (0: by the close of the same working day) or working hours; exactly one."""

    working_days: int | None = Field(default=None, ge=0, le=120)
    working_hours: float | None = Field(default=None, gt=0, le=500)

    @model_validator(mode="after")
    def _one(self) -> Limit:
        if (self.working_days is None) == (self.working_hours is None):
            raise ValueError("give either working_days or working_hours")
        return self

    @property
    def label(self) -> str:
        if self.working_hours is not None:
            return f"{self.working_hours:g}个工作小时"
        return "当日" if self.working_days == 0 else f"{self.working_days}个工作日"


class AttributeValue(Strict):
    key: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1)


class Attribute(Strict):
    """An extra question of a category, shown on forms and in its Open311 service definition."""

    code: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    description: str = Field(min_length=1)
    datatype: Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"] = "string"
    required: bool = False
    values: tuple[AttributeValue, ...] = ()

    @model_validator(mode="after")
    def _lists_have_values(self) -> Attribute:
        if self.datatype.endswith("valuelist") and not self.values:
            raise ValueError(f"a {self.datatype} needs values")
        return self


class Category(Strict):
    id: CaseId
    name: str = Field(min_length=1, description="Chinese name, e.g. 矛盾纠纷")
    name_en: str | None = Field(default=None, min_length=1, max_length=60,
                                description="English name, for the console's English mode; default: the Chinese name")
    module: Literal["9", "X"] = Field(default="X", description="9: one of the nine standard modules; X: the town's")
    description: str = ""
    keywords: tuple[str, ...] = ()
    limit: Limit | None = Field(default=None, description="default: the limit of the case's kind")
    lead: str | None = Field(default=None, description="suggested lead unit: department:<id>, grid:<id>, "
                                                        "village:<id> or team:<id>")
    attributes: tuple[Attribute, ...] = ()

    @property
    def english(self) -> str:
        """The name in English mode: the Chinese one where the town gave none."""
        return self.name_en or self.name


class Department(Strict):
    id: CaseId
    name: str = Field(min_length=1)


class Room(Strict):
    id: CaseId
    name: str = Field(min_length=1, description="e.g. 调解室一")


class Adviser(Strict):
    """Someone who sits at the centre on set days: the judge of the "grid + court" arrangement, a legal adviser."""

    id: CaseId
    name: str = Field(min_length=1)
    kind: Literal["judge", "legal_adviser", "mediator"] = "legal_adviser"
    duty_days: tuple[int, ...] = Field(default=(1, 2, 3, 4, 5), description="ISO weekdays at the centre, 1 = Monday")


class Holiday(Strict):
    """One line of the State Council's notice: days off from start to end, and the make-up working days."""

    name: str = Field(min_length=1)
    start: dt.date
    end: dt.date
    workdays: tuple[dt.date, ...] = Field(default=(), description="weekend days worked instead (调休上班)")

    @model_validator(mode="after")
    def _ordered(self) -> Holiday:
        if self.end < self.start:
            raise ValueError("end is before start")
        return self


def _clock_time(value: object) -> object:
    """YAML reads an unquoted 14:00 as the number 840, which pydantic would take for seconds: insist on text."""
    if not isinstance(value, str | dt.time):
        raise ValueError('write times of day quoted, as "HH:MM"')
    return value


ClockTime = Annotated[dt.time, BeforeValidator(_clock_time)]


def _periods(hours: tuple[tuple[dt.time, dt.time], ...]) -> tuple[tuple[dt.time, dt.time], ...]:
    last = dt.time(0, 0)
    for start, end in hours:
        if not last <= start < end:
            raise ValueError("office periods must be in order, each ending after it starts, without overlap")
        last = end
    return hours


class Calendar(Strict):
    hours: Annotated[tuple[tuple[ClockTime, ClockTime], ...], AfterValidator(_periods)] = Field(
        default=((dt.time(8, 30), dt.time(12, 0)), (dt.time(14, 0), dt.time(17, 30))), min_length=1,
        description="office periods of a working day, town time")
    weekend: tuple[int, ...] = Field(default=(6, 7), description="ISO weekdays off, 6 = Saturday")
    holidays: tuple[Holiday, ...] = Field(
        default_factory=lambda: tuple(Holiday.model_validate(h) for h in defaults.CN_HOLIDAYS_2026),
        description="public holidays and make-up working days; default: the State Council's for 2026")

    def holiday_dates(self) -> frozenset[dt.date]:
        return frozenset(h.start + dt.timedelta(days=i) for h in self.holidays
                         for i in range((h.end - h.start).days + 1))

    def workday_dates(self) -> frozenset[dt.date]:
        return frozenset(d for h in self.holidays for d in h.workdays)


class ApiKey(Strict):
    client: str = Field(min_length=1, description="who uses the key, e.g. 12345热线; the case's source")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="hex SHA-256 of the key (the key is never stored)")


class Open311(Strict):
    jurisdiction_id: str | None = Field(default=None, description="default: the town's id")
    api_keys: tuple[ApiKey, ...] = ()
    response: Literal["realtime", "batch"] = Field(default="realtime",
                                                   description="batch: POST answers with a token")
    public_categories: tuple[str, ...] = Field(
        default=(), description="categories whose cases from every channel GET requests lists too, coarsely: the "
                                "category for the description, the village for the place, no coordinates, photos "
                                "or words of the requester; none by default (what people tell the centre stays "
                                "inside it)")


class Merge(Strict):
    within_days: float = Field(default=7.0, gt=0, description="duplicates are reported this close in time")
    distance_m: float = Field(default=300.0, gt=0, description="... and this close, when both have a location")
    similarity: float = Field(default=0.3, gt=0, le=1, description="least likeness of the matters (0–1)")


class Leader(Strict):
    """Someone the escalation chain names besides the case's own grid and village: the town head, a deputy."""

    id: CaseId
    name: str = Field(min_length=1, description="as the trail shows it, e.g. 副镇长 李军")
    phone: str = Field(default="", description="for the notice; never shown with the case")


Recipient = Annotated[str, Field(
    pattern=r"^(grid_worker|village_cadre|duty_officer|centre_lead|leader:[a-z0-9][a-z0-9_-]{0,63})$",
    description="grid_worker and village_cadre of the case's grid or village (else of its lead village); "
                "duty_officer and centre_lead of the alerts section; leader:<id> of cases.leaders")]


class EscalationStep(Strict):
    """One step of the chain: this long past the time limit, in working time, these people are told."""

    working_days: float | None = Field(default=None, ge=0, le=60, description="working days past the limit")
    working_hours: float | None = Field(default=None, ge=0, le=500, description="working hours past the limit")
    notify: tuple[Recipient, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _one(self) -> EscalationStep:
        if self.working_days is not None and self.working_hours is not None:
            raise ValueError("give working_days or working_hours, not both")
        return self

    def after_s(self, day_s: float) -> float:
        """Working seconds past the limit, with *day_s* working seconds to a day."""
        return (self.working_days or 0.0) * day_s + (self.working_hours or 0.0) * 3600.0


Chain = Annotated[tuple[EscalationStep, ...], Field(min_length=1, max_length=10)]


class Escalation(Strict):
    """Who is told as a case stays past its limit: a chain of steps, the same for every category unless one
    has its own."""

    default: Chain = Field(default=(EscalationStep(working_days=0, notify=("centre_lead",)),),
                           description="default: the centre's lead, once, at the limit")
    categories: dict[str, Chain] = Field(default_factory=dict, description="a category's own chain, by its id")

    def chain(self, category: str) -> tuple[EscalationStep, ...]:
        return self.categories.get(category, self.default)


def _default_kind_limits() -> dict[Kind, Limit]:
    return {Kind(k): Limit.model_validate(v) for k, v in defaults.KIND_LIMITS.items()}


class CasesConfig(Strict):
    """The town file's `cases:` section."""

    default_categories: bool = Field(default=True, description="add the built-in 9+X categories; "
                                                                "one of yours with the same id replaces one")
    categories: tuple[Category, ...] = ()
    kind_limits: dict[Kind, Limit] = Field(default_factory=_default_kind_limits,
                                           description="limit by kind where the category sets none")
    urgent_limit: Limit = Field(default=Limit(working_days=0), description="for urgent cases")
    remind_before_hours: float = Field(default=4.0, gt=0, description="working hours before the limit "
                                                                      "(at most half the limit) to remind")
    max_extensions: int = Field(default=2, ge=0, le=10)
    follow_up_days: int = Field(default=15, ge=1, le=365, description="working days after a mediated agreement "
                                                                       "to visit the parties again")
    departments: tuple[Department, ...] = Field(default_factory=lambda: tuple(
        Department(id=i, name=n) for i, n in defaults.DEPARTMENTS))
    rooms: tuple[Room, ...] = Field(default_factory=lambda: tuple(Room(id=i, name=n) for i, n in defaults.ROOMS))
    advisers: tuple[Adviser, ...] = ()
    calendar: Calendar = Calendar()
    open311: Open311 = Open311()
    merge: Merge = Merge()
    leaders: tuple[Leader, ...] = ()
    escalation: Escalation = Escalation()

    def category_map(self) -> dict[str, Category]:
        """The categories in force: the built-in ones (unless turned off), then the town's, by id."""
        built_in = (Category.model_validate({"name_en": defaults.CATEGORY_NAMES_EN.get(c["id"]), **c})
                    for c in defaults.CATEGORIES)
        found = {c.id: c for c in built_in} if self.default_categories else {}
        return found | {c.id: c for c in self.categories}
