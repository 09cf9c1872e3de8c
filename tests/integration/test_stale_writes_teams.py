"""Two leaders on one state database, for the patrol teams' states as test_stale_writes_more.py does for
dispatches: the old leader's write of a team the new one has changed fails loudly and stops the old one, instead
of overwriting. On SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.alerts.store import StaleWrite
from hub.dispatch.model import TeamStatus
from tests.integration.test_stale_writes_more import OFFICER, two_dispatch_leaders

pytestmark = pytest.mark.integration


async def test_the_old_leaders_team_status_does_not_overwrite_the_new_leaders(sql_url: str, tmp_path: Path) -> None:
    async with two_dispatch_leaders(sql_url, tmp_path) as (old, new, _alert_id):
        await old.set_team_status("T01", TeamStatus.UNAVAILABLE, OFFICER, "午休")
        await new.start()  # takes over, while the old leader still runs
        await new.set_team_status("T01", TeamStatus.AVAILABLE, OFFICER, "到岗")
        with pytest.raises(StaleWrite, match="team state T01"):
            await old.set_team_status("T01", TeamStatus.UNAVAILABLE, OFFICER, "下班")
        assert old.failed.is_set() and old.stale_writes == 1
        [stored] = [t for t in new.store.teams() if t.team == "T01"]
        assert stored.status is TeamStatus.AVAILABLE
        assert not new.failed.is_set()
        await new.set_team_status("T01", TeamStatus.UNAVAILABLE, OFFICER, "下班")  # the new leader writes on
        assert not new.failed.is_set()


async def test_a_leader_that_takes_over_writes_on_from_the_stored_version(sql_url: str, tmp_path: Path) -> None:
    async with two_dispatch_leaders(sql_url, tmp_path) as (old, new, _alert_id):
        for status in (TeamStatus.UNAVAILABLE, TeamStatus.AVAILABLE, TeamStatus.UNAVAILABLE):
            await old.set_team_status("T02", status, OFFICER, "")
        await old.stop()
        await new.start()
        await new.set_team_status("T02", TeamStatus.AVAILABLE, OFFICER, "到岗")
        assert not new.failed.is_set()
        [stored] = [t for t in new.store.teams() if t.team == "T02"]
        assert stored.status is TeamStatus.AVAILABLE
