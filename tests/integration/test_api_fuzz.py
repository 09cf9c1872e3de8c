"""A schema-driven fuzz of the whole HTTP API, as each role: no input may get a 5xx.

GRIDHUB_FUZZ_SECONDS (per role) and GRIDHUB_FUZZ_EXAMPLES (per operation and mode) make it run longer.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from hub.app import Hub
from hub.users.model import Role
from tests.fuzz_support import Caller, generate, load, send
from tests.support import PASSWORD, account, console_url, hub_settings, make_hub, signed_in

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]
SECONDS = float(os.environ.get("GRIDHUB_FUZZ_SECONDS", "20"))  # to draw the inputs; sending them is quicker
EXAMPLES = int(os.environ.get("GRIDHUB_FUZZ_EXAMPLES", "10"))


def session_of(hub: Hub, loop: asyncio.AbstractEventLoop, role: Role) -> Callable[[], dict[str, str]]:
    """A fresh session's header of *role*, signed in on the hub's own event loop from the fuzz's thread."""
    async def fresh() -> dict[str, str]:
        username = await account(hub, role, "shimen" if role is Role.cadre else None)
        await hub.ctx.users.update(username, password=PASSWORD)  # the admin's fuzz may have changed it
        # Not from 127.0.0.1: the fuzz's own failed sign-ins from there have the address throttled by now.
        token, _ = await hub.ctx.users.sign_in(username, PASSWORD, "fuzz-renewal")
        return {"Authorization": f"Bearer {token}"}
    return lambda: asyncio.run_coroutine_threadsafe(fresh(), loop).result(10)


async def phone_of(http: httpx.AsyncClient, officer: dict[str, str]) -> Callable[[], dict[str, str]]:
    """A patrol phone's header (a one-time link is good once: the fuzz keeps this one)."""
    code = (await http.post("/api/members/T06.1/login-link", headers=officer)).json()["code"]
    token = (await http.post("/api/phone/sign-in", json={"code": code})).json()["token"]
    return lambda: {"Authorization": f"Bearer {token}"}


async def test_no_input_gets_a_server_error_as_any_role(tmp_path: Path) -> None:
    async with make_hub(hub_settings(tmp_path, None)) as hub, httpx.AsyncClient(base_url=console_url(hub)) as http:
        loop = asyncio.get_running_loop()
        # The admin goes last: its inputs may change or disable the other accounts.
        callers = [Caller(role.value, session_of(hub, loop, role)) for role in (Role.officer, Role.cadre)]
        callers.append(Caller("patrol", await phone_of(http, await signed_in(hub, Role.officer)), renews=False))
        callers += [Caller("nobody", dict, renews=False), Caller("admin", session_of(hub, loop, Role.admin))]
        schema = await asyncio.to_thread(load, console_url(hub))
        cases = await asyncio.to_thread(generate, schema, SECONDS, EXAMPLES)
        runs = [await asyncio.to_thread(send, console_url(hub), cases, caller) for caller in callers]
    for run in runs:
        print(run.summary())
    errors = [f"{run.role}: {e.status} {e.label}\n  {e.curl}\n  {e.body}" for run in runs for e in run.errors]
    assert not errors, "\n".join(errors)
