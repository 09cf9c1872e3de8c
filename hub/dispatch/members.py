"""Patrol members as the phone app knows them: `<team id>.<n>`, n counting from 1 in the town file."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from hub.town import Member, Team


@dataclass(frozen=True, slots=True)
class MemberRef:
    id: str
    team: Team
    member: Member


def new_secret(nbytes: int) -> str:
    return secrets.token_urlsafe(nbytes)


def digest(secret: str) -> str:
    """Only digests are stored: a copy of the database signs no one in."""
    return hashlib.sha256(secret.encode()).hexdigest()
