"""What the town file's `cases:` section refers to that does not exist, and ids it repeats."""

from __future__ import annotations

from collections.abc import Iterable

from hub.cases import limits
from hub.cases.config import EscalationStep
from hub.cases.places import CaseInputError, unit
from hub.town import Problem, Town

Key = tuple[str | int, ...]


def case_problems(town: Town) -> list[Problem]:
    config = town.cases
    problems: list[Problem] = []
    for i, category in enumerate(config.categories):
        if category.lead is not None:
            try:
                unit(town, config, category.lead)
            except CaseInputError as exc:
                problems.append((("cases", "categories", i, "lead"), str(exc)))
    problems += _repeated([("categories", i, c.id) for i, c in enumerate(config.categories)])
    problems += _repeated([("departments", i, d.id) for i, d in enumerate(config.departments)])
    # Rooms and advisers are booked by id through the same API: their ids must not collide either.
    problems += _repeated([("rooms", i, r.id) for i, r in enumerate(config.rooms)]
                          + [("advisers", i, a.id) for i, a in enumerate(config.advisers)])
    problems += _repeated([("leaders", i, p.id) for i, p in enumerate(config.leaders)])
    problems += [(("cases", "open311", "public_categories", i), f"no category {c!r}")
                 for i, c in enumerate(config.open311.public_categories) if c not in config.category_map()]
    problems += _calendar_problems(town)
    problems += _escalation_problems(town)
    return problems


def _repeated(items: Iterable[tuple[str, int, str]]) -> list[Problem]:
    seen: set[str] = set()
    problems: list[Problem] = []
    for section, i, ident in items:
        if ident in seen:
            problems.append((("cases", section, i, "id"), f"duplicate id {ident!r}"))
        seen.add(ident)
    return problems


def _calendar_problems(town: Town) -> list[Problem]:
    calendar = town.cases.calendar
    off = calendar.holiday_dates()
    problems: list[Problem] = []
    for i, holiday in enumerate(calendar.holidays):
        key: Key = ("cases", "calendar", "holidays", i, "workdays")
        for day in holiday.workdays:
            if day in off:
                problems.append((key, f"{day} is both a holiday and a make-up working day"))
            elif day.isoweekday() not in calendar.weekend:
                problems.append((key, f"{day} is a weekday: only weekend days are made working days"))
    return problems


def _escalation_problems(town: Town) -> list[Problem]:
    """Chains name known categories and leaders, and each step comes later than the one before."""
    config = town.cases
    problems: list[Problem] = [(("cases", "escalation", "categories", c), f"no category {c!r}")
                               for c in config.escalation.categories if c not in config.category_map()]
    chains: list[tuple[Key, tuple[EscalationStep, ...]]] = [(("cases", "escalation", "default"),
                                                             config.escalation.default)]
    chains += [(("cases", "escalation", "categories", c), chain) for c, chain in config.escalation.categories.items()]
    leaders = {p.id for p in config.leaders}
    day_s = limits.calendar_of(config, town.town.timezone).day_seconds()
    for key, chain in chains:
        for i, step in enumerate(chain):
            unknown = [r for r in step.notify if r.startswith("leader:") and r[len("leader:"):] not in leaders]
            if unknown:
                problems.append(((*key, i, "notify"), f"no leader {unknown[0][len('leader:'):]!r} in cases.leaders"))
            if i and step.after_s(day_s) <= chain[i - 1].after_s(day_s):
                problems.append(((*key, i), "each step must come later than the one before"))
    return problems
