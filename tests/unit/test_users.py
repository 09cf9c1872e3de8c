"""Accounts, sign-in throttling and sliding sessions, on a real SQLite store and a controllable clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.user_store import SqlUserStore
from hub.users import service as service_module
from hub.users.model import COUNTY_ROLES, Principal, Role
from hub.users.service import SESSION_IDLE_S, SESSION_MAX_S, SignInRefused, UserError, UserService
from tests.support import ManualClock

PASSWORD = "correct horse battery"
VILLAGES = {"yunling", "fenglin"}


@pytest.fixture
async def users(tmp_path: Path) -> AsyncIterator[UserService]:
    store = SqlUserStore(f"sqlite:///{tmp_path / 'state.sqlite3'}")
    service = UserService(store, VILLAGES, ManualClock(1_800_000_000.0))
    await service.start()
    yield service
    service.store.close()


def clock_of(users: UserService) -> ManualClock:
    assert isinstance(users.clock, ManualClock)
    return users.clock


async def test_a_cadre_signs_in_and_is_scoped_to_their_village(users: UserService) -> None:
    await users.create("li.yunling", PASSWORD, "李华", Role.cadre, "yunling")
    token, principal = await users.sign_in("li.yunling", PASSWORD, "10.0.0.5")
    assert principal == Principal("li.yunling", "李华", Role.cadre, "yunling")
    assert await users.principal(token) == principal
    assert principal.sees_village("yunling") and not principal.sees_village("fenglin")
    assert not principal.sees_village(None)  # town-wide matters are the centre's
    assert principal.actor == "村干部 李华 (li.yunling)"


def test_a_name_that_says_the_role_is_not_signed_with_it_twice() -> None:
    assert Principal("duty", "值班员 张伟", Role.officer).actor == "值班员 张伟 (duty)"
    assert Principal("admin", "管理员", Role.admin).actor == "管理员 (admin)"
    assert Principal("duty", "张伟", Role.officer).actor == "值班员 张伟 (duty)"


@pytest.mark.parametrize(("role", "village", "why"), [
    (Role.cadre, None, "needs a village"),
    (Role.officer, "yunling", "only a cadre has one"),
    (Role.patrol, None, "sign in on their phones"),
])
async def test_an_account_out_of_shape_is_refused(users: UserService, role: Role, village: str | None,
                                                  why: str) -> None:
    with pytest.raises(ValueError, match=why):
        await users.create("someone", PASSWORD, "某人", role, village)
    assert users.users == {}


async def test_unknown_villages_short_passwords_and_duplicates_are_refused(users: UserService) -> None:
    with pytest.raises(UserError, match="no village 'nowhere'; known: fenglin, yunling"):
        await users.create("li", PASSWORD, "李华", Role.cadre, "nowhere")
    with pytest.raises(UserError, match="at least 8"):
        await users.create("li", "short", "李华", Role.officer)
    await users.create("li", PASSWORD, "李华", Role.officer)
    with pytest.raises(UserError, match="exists"):
        await users.create("li", PASSWORD, "李华", Role.officer)


async def test_five_failures_lock_the_account_but_not_the_others(users: UserService) -> None:
    await users.create("duty", PASSWORD, "张伟", Role.officer)
    await users.create("lead", PASSWORD, "王强", Role.admin)
    for _ in range(5):
        with pytest.raises(SignInRefused, match="wrong username or password") as refused:
            await users.sign_in("duty", "guess-again", "10.0.0.9")
        assert refused.value.retry_after is None
    with pytest.raises(SignInRefused, match="too many") as locked:
        await users.sign_in("duty", PASSWORD, "10.0.0.9")  # even the right password, for now
    assert locked.value.retry_after is not None and 0 < locked.value.retry_after <= 300
    assert (await users.sign_in("lead", PASSWORD, "10.0.0.9"))[1].role is Role.admin


async def test_an_unknown_user_is_refused_like_a_wrong_password(users: UserService) -> None:
    with pytest.raises(SignInRefused, match="wrong username or password"):
        await users.sign_in("nobody", PASSWORD, "10.0.0.9")


async def test_a_session_slides_while_used_and_ends_when_idle_or_too_old(users: UserService) -> None:
    clock = clock_of(users)
    await users.create("duty", PASSWORD, "张伟", Role.officer)
    token, _ = await users.sign_in("duty", PASSWORD, "10.0.0.5")
    created = clock.now
    while clock.now + SESSION_IDLE_S < created + SESSION_MAX_S:
        clock.now += SESSION_IDLE_S - 60  # used just before it would lapse
        assert await users.principal(token) is not None
    clock.now = created + SESSION_MAX_S + 1  # however busy, a session ends at its maximum age
    assert await users.principal(token) is None
    token, _ = await users.sign_in("duty", PASSWORD, "10.0.0.5")
    clock.now += SESSION_IDLE_S + 1
    assert await users.principal(token) is None


async def test_sessions_survive_a_restart_and_end_on_sign_out(users: UserService, tmp_path: Path) -> None:
    await users.create("duty", PASSWORD, "张伟", Role.officer)
    kept, _ = await users.sign_in("duty", PASSWORD, "10.0.0.5")
    ended, _ = await users.sign_in("duty", PASSWORD, "10.0.0.6")
    await users.sign_out(ended)
    again = UserService(SqlUserStore(f"sqlite:///{tmp_path / 'state.sqlite3'}"), VILLAGES, users.clock)
    await again.start()
    assert (await again.principal(kept)) is not None and (await again.principal(ended)) is None
    again.store.close()


async def test_a_role_change_or_a_disable_signs_the_account_out_everywhere(users: UserService) -> None:
    await users.create("li", PASSWORD, "李华", Role.officer)
    token, _ = await users.sign_in("li", PASSWORD, "10.0.0.5")
    await users.update("li", name="李华明")
    assert (await users.principal(token)) == Principal("li", "李华明", Role.officer)
    await users.update("li", role=Role.cadre, village="fenglin")
    assert await users.principal(token) is None
    token, principal = await users.sign_in("li", PASSWORD, "10.0.0.5")
    assert principal.village == "fenglin"
    await users.update("li", disabled=True)
    assert await users.principal(token) is None
    with pytest.raises(SignInRefused, match="wrong username or password") as refused:  # as for a wrong one
        await users.sign_in("li", PASSWORD, "10.0.0.5")
    assert refused.value.note == "disabled, right password"  # for the audit log only


async def test_a_town_has_no_county_accounts_and_a_county_no_town_accounts(users: UserService,
                                                                           tmp_path: Path) -> None:
    for role in (Role.county_admin, Role.county_officer):
        with pytest.raises(UserError, match=f"a town hub has no {role.value} accounts"):
            await users.create(f"x.{role.value}", PASSWORD, "县里人", role)
    await users.create("officer", PASSWORD, "张伟", Role.officer)
    with pytest.raises(UserError, match="a town hub has no county_officer accounts"):
        await users.update("officer", role=Role.county_officer)
    county = UserService(users.store, set(), users.clock, roles=COUNTY_ROLES)
    await county.start()
    for role in (Role.admin, Role.officer, Role.grid_worker):
        with pytest.raises(UserError, match=f"a county hub has no {role.value} accounts"):
            await county.create(f"x.{role.value}", PASSWORD, "镇里人", role)
    officer = await county.create("zhaomin", PASSWORD, "赵敏", Role.county_officer)
    token, principal = await county.sign_in("zhaomin", PASSWORD, "10.0.0.5")
    assert principal.actor == "县级值班员 赵敏 (zhaomin)" and not principal.is_staff
    # The same database holds both (a county hub's folder given to a town, or the reverse): neither signs in
    # where its role means nothing, and a session made on one is nobody's on the other.
    with pytest.raises(SignInRefused, match="wrong username or password") as refused:
        await users.sign_in("zhaomin", PASSWORD, "10.0.0.5")
    assert refused.value.note == "right password, but this hub has no county_officer accounts"
    await users.start()  # the session, stored by the county service, is loaded: still nobody here
    assert await users.principal(token) is None and officer.role is Role.county_officer
    with pytest.raises(SignInRefused):
        await county.sign_in("officer", PASSWORD, "10.0.0.5")


async def test_expired_sessions_are_forgotten_however_often_a_client_signs_in_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service_module, "SWEEP_FROM", 4, raising=False)
    store = SqlUserStore(f"sqlite:///{tmp_path / 'state.sqlite3'}")
    users = UserService(store, VILLAGES, ManualClock(1_800_000_000.0))
    await users.start()
    await users.create("kiosk", PASSWORD, "大屏", Role.officer)
    held = []
    for _ in range(4):  # a client that signs in five times a night and never signs out
        for _ in range(5):
            await users.sign_in("kiosk", PASSWORD, "10.0.0.9")
        held.append(len(users.sessions))
        clock_of(users).advance(SESSION_IDLE_S + 1)
    assert max(held) <= 2 * 5, held  # the night's sessions and at most the last night's, not every night's
    assert len(store.sessions(0.0)) <= 2 * 5
    store.close()
