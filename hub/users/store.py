"""Where accounts, sessions and the audit log are kept (adapters/user_store.py on SQL)."""

from __future__ import annotations

from typing import Protocol

from hub.users.model import AuditEntry, AuditQuery, Session, User


class UserStore(Protocol):
    def users(self) -> list[User]: ...

    def user(self, username: str) -> User | None: ...

    def save_user(self, user: User) -> None: ...

    def sessions(self, now: float) -> list[Session]:
        """The sessions not yet expired at *now*."""
        ...

    def session(self, key: str) -> Session | None:
        """The session of digest *key*, expired or not; None when there is none."""
        ...

    def save_session(self, session: Session) -> None: ...

    def drop_sessions(self, digests: list[str] | None = None, username: str | None = None) -> None:
        """Forget the sessions given, or every session of *username*."""
        ...

    def append_audit(self, entries: list[AuditEntry]) -> list[int]:
        """Store *entries*; their seqs, in order."""
        ...

    def audit(self, query: AuditQuery) -> list[AuditEntry]:
        """Entries newest first."""
        ...

    def close(self) -> None: ...
