"""The town file's `cases:` section: the sample's calendar is the built-in one, and mistakes name file and line."""

from __future__ import annotations

from pathlib import Path

from hub.cases.config import CasesConfig
from hub.registry import Registry
from hub.settings import DEFAULT_TOWN
from hub.townfile import load_town
from tests.support import broken_town, line_of, problems


def test_the_sample_lists_the_built_in_calendar_and_adds_a_category() -> None:
    cases = load_town(DEFAULT_TOWN, Registry.discover()).town.cases
    assert cases.calendar == CasesConfig().calendar  # the 2026 notice, as data the town edits each year
    categories = cases.category_map()
    assert len(categories) == 16 and categories["farmland-water"].limit is not None
    assert sum(c.module == "9" for c in categories.values()) == 9
    assert {a.id for a in cases.advisers} == {"judge", "lawyer"}
    assert categories["flood-safety"].english == "Flood safety"  # the hub's English name of a built-in one
    assert categories["farmland-water"].english == "Farmland irrigation water"  # the town's `name_en`


def test_an_english_name_is_checked_like_the_rest(tmp_path: Path) -> None:
    path = broken_town(tmp_path, "name_en: Farmland irrigation water,", "name_en: '',")
    [problem] = problems(path)
    assert problem.startswith(f"{path}:{line_of(path, 'name_en')}: cases.categories[0].name_en: String "
                              "should have at least 1 character"), problem
    path = broken_town(tmp_path, "name_en: Farmland irrigation water,", "name_en: Farmland irrigation water, "
                       "name_fr: Eau d'irrigation,")
    assert problems(path) == [f"{path}:{line_of(path, 'name_fr')}: cases.categories[0].name_fr: unknown key"]


def test_an_unquoted_time_of_day_is_refused(tmp_path: Path) -> None:
    path = broken_town(tmp_path, '[["08:30", "12:00"], ["14:00", "17:30"]]', '[["08:30", "12:00"], [14:00, "17:30"]]')
    [problem] = problems(path)
    assert problem == (f"{path}:{line_of(path, '[14:00')}: cases.calendar.hours[1][0]: "
                       'Value error, write times of day quoted, as "HH:MM"')


def test_office_periods_in_order(tmp_path: Path) -> None:
    path = broken_town(tmp_path, '["14:00", "17:30"]', '["11:00", "17:30"]')
    [problem] = problems(path)
    assert "cases.calendar.hours: Value error, office periods must be in order" in problem


def test_limits_give_days_or_hours(tmp_path: Path) -> None:
    path = broken_town(tmp_path, "limit: {working_days: 2},", "limit: {working_days: 2, working_hours: 3},")
    [problem] = problems(path)
    line = line_of(path, "farmland-water")
    assert problem == (f"{path}:{line}: cases.categories[0].limit: "
                       "Value error, give either working_days or working_hours")


def test_unknown_keys_units_and_repeated_ids(tmp_path: Path) -> None:
    path = broken_town(tmp_path, "lead: department:water}", "lead: department:waterworks, colour: blue}")
    assert problems(path) == [f"{path}:{line_of(path, 'colour')}: cases.categories[0].colour: unknown key"]
    path = broken_town(tmp_path, "lead: department:water}", "lead: department:waterworks}")
    [problem] = problems(path)
    assert problem.startswith(f"{path}:{line_of(path, 'waterworks')}: cases.categories[0].lead: no unit "
                              "'department:waterworks'")
    path = broken_town(tmp_path, "{id: lawyer,", "{id: judge,")
    assert problems(path) == [f"{path}:{line_of(path, '法律顾问')}: cases.advisers[1].id: duplicate id 'judge'"]


def test_make_up_days_are_weekend_days_outside_the_holidays(tmp_path: Path) -> None:
    path = broken_town(tmp_path, "workdays: [2026-05-09]", "workdays: [2026-05-08, 2026-05-03]")
    line = line_of(path, "2026-05-08")
    assert problems(path) == [
        f"{path}:{line}: cases.calendar.holidays[3].workdays: 2026-05-08 is a weekday: only weekend days are "
        "made working days",
        f"{path}:{line}: cases.calendar.holidays[3].workdays: 2026-05-03 is both a holiday and a make-up working day"]
    path = broken_town(tmp_path, "start: 2026-06-19, end: 2026-06-21", "start: 2026-06-21, end: 2026-06-19")
    [problem] = problems(path)
    assert problem.startswith(f"{path}:{line_of(path, '端午节')}: cases.calendar.holidays[4]: Value error, end is")


def test_published_categories_must_exist(tmp_path: Path) -> None:
    path = broken_town(tmp_path, "  open311:\n", "  open311:\n    public_categories: [roads, raods]\n")
    assert problems(path) == [f"{path}:{line_of(path, 'raods')}: cases.open311.public_categories[1]: "
                              "no category 'raods'"]
