"""The town file's `register:` section: which roles read personal data in full, and which read key groups."""

from __future__ import annotations

from pydantic import Field, field_validator

from hub.config_base import Strict
from hub.users.model import Role


class RegisterConfig(Strict):
    full_readers: tuple[Role, ...] = Field(
        default=(Role.officer, Role.cadre, Role.grid_worker),
        description="roles that see ID numbers and phones in full on one person's record, within their scope; "
                    "every other reader sees them masked, and lists and searches are masked for all")
    key_group_readers: tuple[Role, ...] = Field(
        default=(Role.officer,), description="roles that may read and record key groups (特殊人群, 重点青少年), within "
                                     "their scope; nobody else learns that a person is in one")

    @field_validator("full_readers", "key_group_readers")
    @classmethod
    def _register_roles(cls, roles: tuple[Role, ...]) -> tuple[Role, ...]:
        if Role.patrol in roles:
            raise ValueError("patrol members do not read the register")
        return roles
