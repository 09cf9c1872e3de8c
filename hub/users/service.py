"""Accounts, sign-in with throttling, sessions that slide while used, and the audit log."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
from collections.abc import Callable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from hub.users.model import TOWN_ROLES, AuditEntry, AuditQuery, Principal, Role, Session, User
from hub.users.store import UserStore

SWEEP_FROM = 256  # sessions held before expired ones are looked for
SESSION_IDLE_S = 12 * 3600  # a night shift without touching the console signs it out
SESSION_MAX_S = 7 * 86400
TOUCH_EVERY_S = 300  # how stale the stored expiry may get before a request refreshes it
MIN_PASSWORD = 8
LINK_S = 30 * 60  # a one-time sign-in link works this long
FAILURES_PER_ACCOUNT = parse("5/5 minutes")
FAILURES_PER_ADDRESS = parse("30/5 minutes")


class UserError(Exception):
    """A refused account change; the message says why, in words for the admin."""


class SignInRefused(Exception):
    """Why a sign-in is refused, as the caller is told; `note` is for the audit log only."""

    def __init__(self, reason: str, retry_after: int | None = None, note: str = "") -> None:
        super().__init__(reason)
        self.retry_after = retry_after
        self.note = note


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class UserService:
    """Loop only; password hashing and the store run in worker threads."""

    def __init__(self, store: UserStore, villages: set[str], clock: Callable[[], float] = time.time,
                 grids: set[str] | None = None, shared: bool = False, roles: frozenset[Role] = TOWN_ROLES) -> None:
        self.store = store
        self.roles = roles  # the roles this hub's accounts may have: a town's, or a county's
        # A console process keeps nothing: the leader signs people in and out, so each look-up reads the store.
        self.shared = shared
        self.villages = villages
        self.grids = grids or set()
        self.clock = clock  # wall time: sessions expire by the real clock, not the demo's
        self.hasher = PasswordHasher()
        self.limiter = MovingWindowRateLimiter(MemoryStorage())
        self.users: dict[str, User] = {}
        self.sessions: dict[str, Session] = {}
        self._sweep_at = SWEEP_FROM  # sessions held when the expired are next looked for
        self._dummy_hash = self.hasher.hash(secrets.token_hex(8))
        self._codes: dict[str, tuple[str, float]] = {}  # one-time sign-in codes' digests → username, expiry

    async def start(self) -> None:
        users, sessions = await asyncio.gather(asyncio.to_thread(self.store.users),
                                               asyncio.to_thread(self.store.sessions, self.clock()))
        self.users = {u.username: u for u in users}
        self.sessions = {s.digest: s for s in sessions}

    async def reload(self) -> dict[str, User]:
        """Every account as the store has it now: `gridhub create-admin` may have written one meanwhile."""
        self.users = {u.username: u for u in await asyncio.to_thread(self.store.users)}
        return self.users

    async def _fresh(self, username: str) -> User | None:
        """*username*'s account as the store has it now (made or reset by another process), kept in memory."""
        user = await asyncio.to_thread(self.store.user, username)
        if user is None:
            self.users.pop(username, None)
        else:
            self.users[username] = user
        return user

    async def create(self, username: str, password: str, name: str, role: Role,
                     village: str | None = None, password_hash: str | None = None,
                     grids: tuple[str, ...] = ()) -> User:
        """A new account; *password_hash* (from `hash_password`) spares hashing one password again."""
        if await self._fresh(username) is not None:
            raise UserError(f"user {username!r} exists")
        self._check_role(role)
        self._check_village(village)
        self._check_grids(grids)
        user = User(username=username, name=name, role=role, village=village, grids=grids, created=self.clock(),
                    password_hash=password_hash or await self.hash_password(password))
        await asyncio.to_thread(self.store.save_user, user)
        self.users[username] = user
        return user

    async def update(self, username: str, *, name: str | None = None, role: Role | None = None,
                     village: str | None = None, disabled: bool | None = None, password: str | None = None,
                     grids: tuple[str, ...] | None = None) -> User:
        """Change an account; a change of role, village, password or a disable signs it out everywhere."""
        user = await self._fresh(username)
        if user is None:
            raise UserError(f"no user {username!r}")
        changes: dict[str, object] = {k: v for k, v in {"name": name, "role": role, "disabled": disabled}.items()
                                      if v is not None}
        if role is not None:
            self._check_role(role)
        if role is not None or village is not None:
            changes["village"] = village
            self._check_village(village)
        if role is not None or grids is not None:
            changes["grids"] = new_grids = tuple(grids or ())
            self._check_grids(new_grids)
        if password is not None:
            changes["password_hash"] = await self.hash_password(password)
        updated = User.model_validate(user.model_dump() | changes)
        await asyncio.to_thread(self.store.save_user, updated)
        self.users[username] = updated
        if set(changes) - {"name"} or updated.disabled:
            await self.sign_out_everywhere(username)
        return updated

    async def sign_in(self, username: str, password: str, address: str) -> tuple[str, Principal]:
        """A new session token for a correct password; refused after too many failures."""
        for item, key in ((FAILURES_PER_ACCOUNT, username), (FAILURES_PER_ADDRESS, address)):
            if not self.limiter.test(item, "sign-in", key):
                reset = self.limiter.get_window_stats(item, "sign-in", key).reset_time
                raise SignInRefused("too many failed sign-ins; try again later", max(1, int(reset - time.time())))
        user = await self._fresh(username)
        right = await asyncio.to_thread(self._verify, user, password)
        if not right or user is None or user.disabled or user.role not in self.roles:
            # A disabled account answers as a wrong password does, in the same time, and counts as a failure:
            # otherwise "disabled" would tell a guesser that the password they tried is the right one.
            self.limiter.hit(FAILURES_PER_ACCOUNT, "sign-in", username)
            self.limiter.hit(FAILURES_PER_ADDRESS, "sign-in", address)
            raise SignInRefused("wrong username or password", note=_why_refused(user) if right else "")
        self.limiter.clear(FAILURES_PER_ACCOUNT, "sign-in", username)
        return await self._new_session(user)

    def login_code(self, username: str) -> tuple[str, float]:
        """A one-time code for a grid worker's phone to sign in with, instead of a password, and its expiry.

        Kept in memory, by its digest only: a code not used before the hub restarts must be made again."""
        user = self.users.get(username)
        if user is None or user.role is not Role.grid_worker or user.disabled:
            raise UserError(f"一次性登录链接只用于在用的网格员账号，{username} 不是")
        code = secrets.token_urlsafe(12)
        expires = self.clock() + LINK_S
        now = self.clock()
        self._codes = {k: v for k, v in self._codes.items() if v[1] > now}
        self._codes[digest(code)] = (username, expires)
        return code, expires

    async def sign_in_by_code(self, code: str) -> tuple[str, Principal]:
        """A session for the account a one-time code was made for; the code is spent, used or not."""
        username, expires = self._codes.pop(digest(code), ("", 0.0))
        user = self.users.get(username)
        if user is None or user.disabled or expires <= self.clock():
            raise SignInRefused("此链接无效、已使用或已过期，请向综治中心要一个新的")
        return await self._new_session(user)

    async def _new_session(self, user: User) -> tuple[str, Principal]:
        token = secrets.token_urlsafe(32)
        now = self.clock()
        session = Session(digest=digest(token), username=user.username, created=now, expires=now + SESSION_IDLE_S)
        await asyncio.to_thread(self.store.save_session, session)
        self.sessions[session.digest] = session
        if len(self.sessions) >= self._sweep_at:
            await self._forget_expired(now)
        return token, Principal.of(user)

    async def _forget_expired(self, now: float) -> None:
        """Drop expired sessions, here and in the store: a client that signs in again and again without signing
        out (a script, a kiosk) would otherwise leave one behind each time, for as long as the hub runs."""
        expired = [k for k, s in self.sessions.items() if s.expires <= now]
        for key in expired:
            del self.sessions[key]
        self._sweep_at = max(SWEEP_FROM, 2 * len(self.sessions))  # amortised: a sweep per doubling
        for start in range(0, len(expired), 500):  # a statement's parameters are limited
            await asyncio.to_thread(self.store.drop_sessions, expired[start:start + 500])

    async def principal(self, token: str) -> Principal | None:
        """Who holds *token*, sliding the session's expiry forward; None when unknown or expired."""
        session = await self._session(digest(token))
        now = self.clock()
        if session is None or session.expires <= now:
            return None
        user = await self._fresh(session.username) if self.shared else self.users.get(session.username)
        if user is None or user.disabled or user.role not in self.roles:
            return None
        expires = min(now + SESSION_IDLE_S, session.created + SESSION_MAX_S)
        if expires - session.expires > TOUCH_EVERY_S:
            session = session.model_copy(update={"expires": expires})
            if not self.shared:
                self.sessions[session.digest] = session
            await asyncio.to_thread(self.store.save_session, session)
        return Principal.of(user)

    async def _session(self, key: str) -> Session | None:
        if self.shared:
            return await asyncio.to_thread(self.store.session, key)
        return self.sessions.get(key)

    async def sign_out(self, token: str) -> None:
        key = digest(token)
        if self.sessions.pop(key, None) is not None:
            await asyncio.to_thread(self.store.drop_sessions, [key])

    async def sign_out_everywhere(self, username: str) -> None:
        self.sessions = {k: s for k, s in self.sessions.items() if s.username != username}
        await asyncio.to_thread(self.store.drop_sessions, None, username)

    async def record(self, entry: AuditEntry) -> AuditEntry:
        [seq] = await asyncio.to_thread(self.store.append_audit, [entry])
        return entry.model_copy(update={"seq": seq})

    async def audit(self, query: AuditQuery) -> list[AuditEntry]:
        return await asyncio.to_thread(self.store.audit, query)

    def _check_role(self, role: Role) -> None:
        if role not in self.roles:
            hub = "a county hub" if Role.county_admin in self.roles else "a town hub"
            raise UserError(f"{hub} has no {role.value} accounts; its roles: "
                            f"{', '.join(sorted(r.value for r in self.roles if r is not Role.patrol))}")

    def _check_village(self, village: str | None) -> None:
        if village is not None and village not in self.villages:
            raise UserError(f"no village {village!r}; known: {', '.join(sorted(self.villages))}")

    def _check_grids(self, grids: tuple[str, ...]) -> None:
        unknown = set(grids) - self.grids
        if unknown:
            raise UserError(f"no grid {', '.join(sorted(unknown))}")

    async def hash_password(self, password: str) -> str:
        if len(password) < MIN_PASSWORD:
            raise UserError(f"a password needs at least {MIN_PASSWORD} characters")
        return await asyncio.to_thread(self.hasher.hash, password)

    def _verify(self, user: User | None, password: str) -> bool:
        """Check *password*; an unknown user costs the same time as a known one."""
        try:
            return self.hasher.verify(user.password_hash if user else self._dummy_hash, password) and user is not None
        except (VerificationError, InvalidHashError):
            return False


def _why_refused(user: User | None) -> str:
    """For the audit log: why a right password was refused."""
    return "disabled, right password" if user is None or user.disabled else \
        f"right password, but this hub has no {user.role.value} accounts"
