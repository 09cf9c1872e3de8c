"""The town file's `register:` section: the roles named are checked, and mistakes name file and line."""

from __future__ import annotations

from pathlib import Path

from hub.registry import Registry
from hub.settings import DEFAULT_TOWN
from hub.townfile import load_town
from hub.users.model import Role
from tests.support import broken_town, line_of, problems


def test_the_sample_names_the_default_readers() -> None:
    access = load_town(DEFAULT_TOWN, Registry.discover()).town.register_access
    assert access.full_readers == (Role.officer, Role.cadre, Role.grid_worker)
    assert access.key_group_readers == (Role.officer,)


def test_patrol_members_and_unknown_roles_are_refused_with_their_line(tmp_path: Path) -> None:
    path = broken_town(tmp_path, "key_group_readers: [officer]", "key_group_readers: [officer, patrol]")
    [problem] = problems(path)
    assert problem == (f"{path}:{line_of(path, 'key_group_readers')}: register.key_group_readers: "
                       "Value error, patrol members do not read the register")
    path = broken_town(tmp_path, "full_readers: [officer,", "full_readers: [officr,")
    [problem] = problems(path)
    assert problem.startswith(f"{path}:{line_of(path, 'full_readers')}: register.full_readers[0]: Input should be")
