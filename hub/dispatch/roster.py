"""Who is on which team now: the town file's teams with the duty officer's edits on top.

Members keep their numbers for life (`T01.3` stays the same person): a new member is
numbered after the last, and one who leaves is marked off rather than removed, so
phones, logs and dispatch histories never point at the wrong person.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from hub.dispatch.members import MemberRef
from hub.town import Member, Team, Town


class TeamEdits(BaseModel):
    """What the duty officer changed on a team (kept in the dispatch store)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = None
    base_grid: str | None = None
    added: tuple[Member, ...] = ()
    left: tuple[int, ...] = Field(default=(), description="numbers of members who left the team")


class Roster:
    def __init__(self, town: Town, edits: dict[str, TeamEdits]) -> None:
        self._town = town
        self.edits = {t.id: edits.get(t.id, TeamEdits()) for t in town.teams}
        self.teams: dict[str, Team] = {}
        self.members: dict[str, MemberRef] = {}
        self._build()

    def _build(self) -> None:
        self.teams, self.members = {}, {}
        for base in self._town.teams:
            edit = self.edits[base.id]
            everyone = [*base.members, *edit.added]
            present = [m for n, m in enumerate(everyone, 1) if n not in edit.left]
            team = base.model_copy(update={"name": edit.name or base.name, "members": present,
                                           "base_grid": edit.base_grid or base.base_grid})
            self.teams[base.id] = team
            self.members |= {f"{base.id}.{n}": MemberRef(f"{base.id}.{n}", team, m)
                             for n, m in enumerate(everyone, 1) if n not in edit.left}

    def of_team(self, team: str) -> list[MemberRef]:
        return [m for m in self.members.values() if m.team.id == team]

    def edit(self, team: str, edits: TeamEdits) -> None:
        self.edits[team] = edits
        self._build()

    def next_number(self, team: str) -> int:
        base = next(t for t in self._town.teams if t.id == team)
        return len(base.members) + len(self.edits[team].added) + 1
