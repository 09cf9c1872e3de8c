"""Every route of the county hub's console (the table COUNTY_ROUTES in test_access.py), called without sign-in,
as a county admin and a county officer, and with a town's account in the county's database."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.routing import iter_route_contexts
from starlette.routing import Route

from adapters.county.server import CountyHub
from hub.county.config import load_county
from hub.settings import DEFAULT_TOWN
from hub.users.model import Role, User
from tests.e2e.test_county_page import arrived
from tests.integration.test_access import COUNTY_ALLOWED, COUNTY_ROUTES, PUBLIC

pytestmark = pytest.mark.integration
PASSWORD = "county-access-pw"
PARAMS = {"town_id": "qingxi", "username": "zhaomin", "case_id": "1"}
QUERIES = {"/api/county/alerts/log": {"town": "qingxi"}}


@dataclass
class CountyConsole:
    hub: CountyHub
    http: httpx.AsyncClient
    auth: dict[Role, dict[str, str]]


@pytest.fixture
async def county(tmp_path: Path) -> AsyncIterator[CountyConsole]:
    made = load_county(DEFAULT_TOWN.parent / "county.yaml")
    made = made.model_copy(update={"link": made.link.model_copy(update={"host": "127.0.0.1", "port": 0})})
    hub = CountyHub(made, f"sqlite:///{tmp_path / 'county.sqlite3'}", tmp_path, "127.0.0.1", 0)
    await hub.start()
    try:
        now = time.time()
        hub.store.receive("qingxi", arrived(now), now)
        auth = {}
        for role, username in ((Role.county_admin, "root"), (Role.county_officer, "zhaomin")):
            await hub.users.create(username, PASSWORD, "县里人", role)
            token, _ = await hub.users.sign_in(username, PASSWORD, "127.0.0.1")
            auth[role] = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=hub.url) as http:
            yield CountyConsole(hub, http, auth)
    finally:
        await hub.stop()


async def call(county: CountyConsole, method: str, path: str, headers: dict[str, str]) -> int:
    body = {} if method in ("POST", "PATCH") else None
    response = await county.http.request(method, path.format(**PARAMS), params=QUERIES.get(path), json=body,
                                         headers=headers)
    return response.status_code


async def test_every_county_route_is_in_the_table(county: CountyConsole) -> None:
    app = county.hub.view._server.config.app
    routes = {(method, str(r.path)) for r in iter_route_contexts(app.routes) if isinstance(r.original_route, Route)
              for method in r.methods or () if method != "HEAD"}
    assert routes == set(COUNTY_ROUTES), routes ^ set(COUNTY_ROUTES)


async def test_without_sign_in_the_pages_send_to_sign_in_and_the_api_answers_401(county: CountyConsole) -> None:
    for (method, path), level in COUNTY_ROUTES.items():
        status = await call(county, method, path, {})
        if level == PUBLIC:
            assert status not in (401, 403), (method, path, status)
        else:
            assert status == (401 if path.startswith("/api/") else 303), (method, path, status)
    page = await county.http.get("/county/towns/qingxi", params={"lang": "en"})
    assert page.headers["location"] == "/county/screen/?next=/county/towns/qingxi%3Flang%3Den"


@pytest.mark.parametrize("role", [Role.county_admin, Role.county_officer])
async def test_each_county_role_reaches_its_routes_and_no_others(county: CountyConsole, role: Role) -> None:
    for (method, path), level in COUNTY_ROUTES.items():
        if path == "/api/auth/logout":
            continue
        status = await call(county, method, path, county.auth[role])
        if role in COUNTY_ALLOWED[level]:
            assert status not in (401, 403), (role, method, path, status)
        else:
            assert status == 403, (role, method, path, status)


async def test_a_county_officer_reads_a_town_but_cannot_make_accounts(county: CountyConsole) -> None:
    officer, admin = county.auth[Role.county_officer], county.auth[Role.county_admin]
    page = await county.http.get("/county/towns/qingxi", headers=officer)
    assert page.status_code == 200 and "水位超警" in page.text and "20260701-0001" in page.text
    screen = (await county.http.get("/api/county/screen", headers=officer)).json()
    qingxi = next(t for t in screen["towns"] if t["id"] == "qingxi")
    assert (qingxi["worst"], qingxi["figures"]["open_alerts"], qingxi["figures"]["cases_on_time"]) == ("orange", 1, 1)
    made = await county.http.post("/api/users", headers=admin, json={
        "username": "qian", "name": "钱进", "role": "county_officer", "password": PASSWORD})
    assert made.status_code == 201, made.text
    town_role = await county.http.post("/api/users", headers=admin, json={
        "username": "duty", "name": "张伟", "role": "officer", "password": PASSWORD})
    assert town_role.status_code == 422 and "a county hub has no officer accounts" in town_role.json()["detail"]
    refused = await county.http.post("/api/users", headers=officer, json={
        "username": "qian2", "name": "钱进", "role": "county_officer", "password": PASSWORD})
    assert refused.status_code == 403


async def test_a_town_account_in_the_county_database_cannot_sign_in(county: CountyConsole) -> None:
    """A town's account where only county accounts belong (a town's folder reused, a hand-edited database)."""
    hashed = await county.hub.users.hash_password(PASSWORD)
    county.hub.users.store.save_user(User(username="duty", name="张伟", role=Role.officer, password_hash=hashed,
                                          created=time.time()))
    signed = await county.http.post("/api/auth/login", json={"username": "duty", "password": PASSWORD})
    assert signed.status_code == 401
    audit = (await county.http.get("/api/audit", headers=county.auth[Role.county_admin])).json()
    assert "right password, but this hub has no officer accounts" in audit[0]["detail"]
