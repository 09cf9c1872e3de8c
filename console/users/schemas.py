"""What the sign-in, account and audit routes take and return."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from console.schemas import at
from console.text import Input
from hub.users.model import USERNAME_PATTERN, AuditEntry, Principal, Role, User


class Credentials(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class Me(BaseModel):
    username: str
    name: str
    role: Role
    role_label: str
    village: str | None
    team: str | None
    grids: list[str] = Field(default=[], description="a grid worker's grids")

    @classmethod
    def of(cls, p: Principal) -> Me:
        return cls(username=p.username, name=p.name, role=p.role, role_label=p.role.label,
                   village=p.village, team=p.team, grids=sorted(p.grids))


class SignedIn(BaseModel):
    token: str = Field(description="also set as an HttpOnly cookie; send as `Authorization: Bearer …` otherwise")
    user: Me


class UserPublic(BaseModel):
    username: str
    name: str
    role: Role
    village: str | None
    grids: list[str] = []
    disabled: bool
    created: datetime

    @classmethod
    def of(cls, u: User) -> UserPublic:
        return cls(username=u.username, name=u.name, role=u.role, village=u.village, grids=list(u.grids),
                   disabled=u.disabled, created=at(u.created))


class UserCreate(Input):
    username: str = Field(pattern=USERNAME_PATTERN)
    name: str = Field(min_length=1, max_length=64)
    role: Role
    village: str | None = None
    grids: tuple[str, ...] = Field((), description="a grid worker's grids")
    password: str = Field(min_length=8, max_length=256)


class UserEdit(Input):
    name: str | None = Field(None, min_length=1, max_length=64)
    role: Role | None = None
    village: str | None = None
    grids: tuple[str, ...] | None = None
    disabled: bool | None = None
    password: str | None = Field(None, min_length=8, max_length=256)


class AuditPublic(BaseModel):
    seq: int
    time: datetime
    username: str | None
    role: Role | None
    action: str
    target: str
    status: int
    ip: str
    detail: str

    @classmethod
    def of(cls, e: AuditEntry) -> AuditPublic:
        return cls(seq=e.seq, time=at(e.ts), username=e.username, role=e.role, action=e.action,
                   target=e.target, status=e.status, ip=e.ip, detail=e.detail)
