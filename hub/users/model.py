"""Users, their roles and what each role may see."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, Field, model_validator


class Role(StrEnum):
    admin = "admin"  # manages users, reads the audit log, and may do what a duty officer does
    officer = "officer"  # the duty officer: the whole town
    cadre = "cadre"  # a village cadre: their own village
    patrol = "patrol"  # a patrol member: their own team, signed in on a phone by link
    grid_worker = "grid_worker"  # a grid worker (网格员): their own grid(s), in the register
    county_admin = "county_admin"  # a county hub's administrator: its accounts and audit log, and the county screen
    county_officer = "county_officer"  # the county's duty officer: the county screen, each town read-only

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {Role.admin: "管理员", Role.officer: "值班员", Role.cadre: "村干部", Role.patrol: "巡逻队员",
               Role.grid_worker: "网格员", Role.county_admin: "县级管理员", Role.county_officer: "县级值班员"}
# A town hub's accounts have town roles, a county hub's county roles: a town has no county screen to read, and a
# county has no villages, teams or register for a town role to act on.
COUNTY_ROLES = frozenset({Role.county_admin, Role.county_officer})
TOWN_ROLES = frozenset(Role) - COUNTY_ROLES
USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{1,31}$"


class User(BaseModel):
    """A console account. Patrol members have none: they sign in on their phones by link."""

    username: str = Field(pattern=USERNAME_PATTERN)
    name: str = Field(min_length=1, max_length=64, description="shown in the audit log and alert history")
    role: Role
    village: str | None = Field(None, description="the village a cadre answers for")
    grids: tuple[str, ...] = Field((), description="the grids a grid worker answers for")
    disabled: bool = False
    password_hash: str = Field(repr=False)
    created: float

    @model_validator(mode="after")
    def _scoped(self) -> User:
        if self.role is Role.patrol:
            raise ValueError("patrol members sign in on their phones with a link from the duty officer")
        if (self.role is Role.cadre) != (self.village is not None):
            raise ValueError("a village cadre needs a village, and only a cadre has one")
        if (self.role is Role.grid_worker) != bool(self.grids):
            raise ValueError("a grid worker needs their grids, and only a grid worker has any")
        return self


@dataclass(frozen=True)
class Principal:
    """Who is calling, and the scope their role gives them."""

    username: str
    name: str
    role: Role
    village: str | None = None  # cadres only
    team: str | None = None  # patrol members only
    grids: frozenset[str] = frozenset()  # grid workers only

    @property
    def is_staff(self) -> bool:
        """Admins and duty officers see and act on the whole town."""
        return self.role in (Role.admin, Role.officer)

    @property
    def actor(self) -> str:
        """How actions are signed in histories, e.g. 值班员 张伟 (zhangwei); a name that already says the role
        (值班员 张伟, 管理员) is not given it twice."""
        name = self.name if self.name.startswith(self.role.label) else f"{self.role.label} {self.name}"
        return f"{name} ({self.username})"

    def sees_village(self, village: str | None) -> bool:
        """Staff see every village; a cadre only their own (town-wide things, of no village, are the centre's).

        Alerts have a rule of their own (console.scope.alert_access): a cadre also sees, read-only, the basin-
        and town-wide alerts that cover their village.
        """
        return self.is_staff or (self.role is Role.cadre and village == self.village)

    @classmethod
    def of(cls, user: User) -> Principal:
        return cls(user.username, user.name, user.role, user.village, grids=frozenset(user.grids))


class Session(BaseModel):
    """A signed-in browser or client; only the digest of its token is kept."""

    digest: str
    username: str
    created: float
    expires: float


class AuditEntry(BaseModel):
    """One action taken through the console, allowed or refused."""

    seq: int = 0
    ts: float
    username: str | None = Field(description="None when nobody was signed in")
    role: Role | None
    action: str = Field(description="e.g. POST /api/alerts/{alert_id}/acknowledge, or login")
    target: str = Field(description="the path acted on, or the account signed in to")
    status: int = Field(description="the HTTP status of the answer")
    ip: str
    detail: str = ""


class AuditQuery(BaseModel):
    username: str | None = None
    since: float | None = None
    before_seq: int | None = Field(None, description="page back from this seq")
    limit: int = Field(100, ge=1, le=1000)
