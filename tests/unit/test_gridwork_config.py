"""The town file's gridwork section: the sample's checklist, and mistakes refused with their file, line and key."""

from __future__ import annotations

from pathlib import Path

from hub.gridwork.config import SELFBUILT
from hub.registry import Registry
from hub.settings import DEFAULT_TOWN
from hub.townfile import load_town
from tests.support import broken_town, line_of, problems


def test_the_sample_has_the_self_built_house_checklist_and_monday_visits() -> None:
    gridwork = load_town(DEFAULT_TOWN, Registry.discover()).town.gridwork
    assert gridwork.checklists["selfbuilt"] == SELFBUILT
    assert [i.id for i in SELFBUILT.items if i.photo] == ["cracks", "added-floors", "fire-exits"]
    assert gridwork.visits.weekday_of("G19") == 1


def test_a_hazard_answer_that_is_not_an_answer_is_refused_with_its_line(tmp_path: Path) -> None:
    path = broken_town(tmp_path, "hazard: [堵塞]", "hazard: [阻塞]")
    [problem] = problems(path)
    assert problem == (f"{path}:{line_of(path, 'fire-exits')}: gridwork.checklists.selfbuilt.items[2]: "
                       "Value error, item fire-exits: hazard answers ['阻塞'] are not among its answers")


def test_unknown_keys_weekdays_and_grids_are_refused(tmp_path: Path) -> None:
    path = broken_town(tmp_path, "    weekday: 1\n", "    weekday: 8\n")
    [problem] = problems(path)
    assert "gridwork.visits.weekday: Input should be less than or equal to 7" in problem
    path = broken_town(tmp_path, "    grids: {}\n", "    grids: {G99: 2}\n")
    [problem] = problems(path)
    assert problem.endswith("gridwork.visits.grids.G99: unknown grid 'G99'")
    path = broken_town(tmp_path, "    due_after_days: 30", "    due_after_day: 30")
    [problem] = problems(path)
    assert problem.endswith("gridwork.visits.due_after_day: unknown key")


def test_a_repeated_item_and_an_unknown_hazard_category_are_refused(tmp_path: Path) -> None:
    path = broken_town(tmp_path, "{id: wiring,", "{id: cracks,")
    [problem] = problems(path)
    assert problem.endswith("gridwork.checklists.selfbuilt: Value error, checklist item ids repeat")
    path = broken_town(tmp_path, "  checklists:                 # what",
                       "  hazard_category: houses\n  checklists:  # what")
    [problem] = problems(path)
    assert problem.endswith("gridwork.hazard_category: no case category 'houses'")


NOTICES = ("  visits:                     # 周一直通车",
           "  notices:\n    robots: {G99: abcdefgh-1234}\n    templates:\n      storm:\n        name: 暴雨\n"
           "        fields: {area: 区域, when: 时间}\n        text: \"{area}{time}有暴雨\"\n"
           "  visits:                     # 周一直通车")


def test_notice_templates_are_checked_against_their_fields_and_robots_against_the_grids(tmp_path: Path) -> None:
    notices = load_town(DEFAULT_TOWN, Registry.discover()).town.gridwork.notices
    assert sorted(notices.templates) == ["inspection", "policy", "weather"]
    assert (notices.pace.messages, notices.pace.window_s) == (20, 60.0)
    path = broken_town(tmp_path, *NOTICES)
    [problem] = problems(path)
    assert problem.endswith("gridwork.notices.templates.storm: Value error, text uses fields ['time'] that "
                            "`fields` does not name")
    path = broken_town(tmp_path, NOTICES[0], NOTICES[1].replace("{time}", "{when}"))
    [problem] = problems(path)
    assert problem.endswith("gridwork.notices.robots.G99: unknown grid 'G99'")
