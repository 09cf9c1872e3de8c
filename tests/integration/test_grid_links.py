"""One-time sign-in links for grid workers' phones: made by the centre, good once and for 30 minutes, for grid
workers only; the session they give reads the worker's grids as a password's does."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from hub.users.model import Role
from tests.support import PASSWORD, console_url, hub_settings, make_hub, signed_in

pytestmark = pytest.mark.integration


async def test_a_link_signs_a_grid_worker_in_once(tmp_path: Path) -> None:
    async with make_hub(hub_settings(tmp_path, None)) as hub, httpx.AsyncClient(base_url=console_url(hub)) as http:
        await hub.ctx.users.create("gw.g19", PASSWORD, "刘洋", Role.grid_worker, grids=("G19",))
        officer, cadre = await signed_in(hub, Role.officer), await signed_in(hub, Role.cadre, "shimen")
        made = await http.post("/api/users/gw.g19/login-link", headers=officer)
        assert made.status_code == 200, made.text
        link = made.json()
        assert link["url"].startswith(console_url(hub) + "gridwork/#code=") and link["qr_svg"].startswith("<?xml")
        code = link["url"].split("code=")[1]
        assert (await http.post("/api/users/gw.g19/login-link", headers=cadre)).status_code == 403
        other = await http.post("/api/users/officer/login-link", headers=officer)
        assert other.status_code == 422 and "网格员" in other.json()["detail"]

        signed = await http.post("/api/auth/link", json={"code": code})
        assert signed.status_code == 200, signed.text
        assert (signed.json()["user"]["username"], signed.json()["user"]["grids"]) == ("gw.g19", ["G19"])
        assert http.cookies.get("gridhub_session") == signed.json()["token"]
        people = await http.get("/api/register/people")
        assert people.status_code == 200  # by the cookie, in the worker's scope
        again = await http.post("/api/auth/link", json={"code": code})
        assert again.status_code == 401 and "已使用" in again.json()["detail"]


async def test_a_link_expires_and_dies_with_its_account(tmp_path: Path) -> None:
    async with make_hub(hub_settings(tmp_path, None)) as hub, httpx.AsyncClient(base_url=console_url(hub)) as http:
        await hub.ctx.users.create("gw.g19", PASSWORD, "刘洋", Role.grid_worker, grids=("G19",))
        officer = await signed_in(hub, Role.officer)

        async def code() -> str:
            made = await http.post("/api/users/gw.g19/login-link", headers=officer)
            return str(made.json()["url"].split("code=")[1])

        late = await code()
        hub.ctx.users.clock = lambda: time.time() + 31 * 60
        assert (await http.post("/api/auth/link", json={"code": late})).status_code == 401
        hub.ctx.users.clock = time.time
        disabled = await code()
        await hub.ctx.users.update("gw.g19", disabled=True)
        assert (await http.post("/api/auth/link", json={"code": disabled})).status_code == 401
        assert (await http.post("/api/users/gw.g19/login-link", headers=officer)).status_code == 422
