"""Every route and socket of the console, called without sign-in, as each role, and across villages.

The table below names the roles each route is for; a route missing from it fails the test, so a new
route cannot ship without deciding who may call it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import httpx
import numpy as np
import pytest
import websockets
from fastapi.routing import iter_route_contexts
from starlette.routing import Route, WebSocketRoute

from console.app import create_app
from hub.app import Hub
from hub.users.model import Role
from tests.support import console_url, free_port, hub_settings, make_hub, publish_level, signed_in, wait_for

pytestmark = pytest.mark.integration

PUBLIC, ANYONE, WATCHER, STAFF, ADMIN, PATROL = "public", "anyone", "watcher", "staff", "admin", "patrol"
REGISTER, KEY_GROUPS = "register", "key groups"  # the register's readers; those the town file names for key groups
NOTICES = "notices"  # grid notices: the centre and cadres send them, grid workers do not
ALLOWED = {PUBLIC: set(Role), ANYONE: set(Role), WATCHER: {Role.admin, Role.officer, Role.cadre},
           STAFF: {Role.admin, Role.officer}, ADMIN: {Role.admin}, PATROL: {Role.patrol},
           REGISTER: {Role.admin, Role.officer, Role.cadre, Role.grid_worker}, KEY_GROUPS: {Role.officer},
           NOTICES: {Role.admin, Role.officer, Role.cadre}}
ROUTES = {
    ("GET", "/"): PUBLIC, ("GET", "/openapi.json"): PUBLIC, ("GET", "/api/docs"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("POST", "/api/auth/login"): PUBLIC, ("POST", "/api/auth/logout"): ANYONE, ("GET", "/api/auth/me"): ANYONE,
    ("GET", "/api/users"): ADMIN, ("POST", "/api/users"): ADMIN, ("PATCH", "/api/users/{username}"): ADMIN,
    ("GET", "/api/audit"): ADMIN, ("POST", "/api/users/{username}/login-link"): STAFF,
    ("POST", "/api/auth/link"): PUBLIC,
    ("GET", "/api/status"): WATCHER, ("GET", "/api/devices"): WATCHER, ("GET", "/api/devices/{device_id}"): WATCHER,
    ("GET", "/api/readings"): WATCHER, ("GET", "/api/device-events"): WATCHER,
    ("POST", "/api/devices/{device_id}/commands"): STAFF, ("GET", "/api/devices/{device_id}/commands"): WATCHER,
    ("GET", "/api/dead-letters"): STAFF, ("GET", "/metrics"): STAFF,
    ("GET", "/api/county/directives"): STAFF, ("POST", "/api/county/directives/{directive_id}/acknowledge"): STAFF,
    ("GET", "/api/county/routed-cases"): STAFF, ("POST", "/api/county/routed-cases/{seq}/accept"): STAFF,
    ("POST", "/api/county/routed-cases/{seq}/send-back"): STAFF, ("GET", "/api/county/broadcast-requests"): STAFF,
    ("POST", "/api/county/broadcast-requests/{seq}/confirm"): STAFF,
    ("POST", "/api/county/broadcast-requests/{seq}/decline"): STAFF,
    ("GET", "/api/alerts"): WATCHER, ("GET", "/api/alerts/{alert_id}"): WATCHER,
    ("POST", "/api/alerts/{alert_id}/acknowledge"): WATCHER, ("POST", "/api/alerts/{alert_id}/resolve"): WATCHER,
    ("POST", "/api/alerts/{alert_id}/close"): STAFF,
    ("GET", "/api/teams"): WATCHER, ("PATCH", "/api/teams/{team_id}"): STAFF,
    ("POST", "/api/teams/{team_id}/members"): STAFF, ("DELETE", "/api/members/{member_id}"): STAFF,
    ("PUT", "/api/teams/{team_id}/status"): STAFF, ("GET", "/api/teams/{team_id}/phones"): STAFF,
    ("GET", "/api/alerts/{alert_id}/recommendations"): STAFF,
    ("POST", "/api/dispatches"): STAFF, ("GET", "/api/dispatches"): WATCHER,
    ("GET", "/api/dispatches/{dispatch_id}"): WATCHER, ("POST", "/api/dispatches/{dispatch_id}/cancel"): STAFF,
    ("POST", "/api/dispatches/{dispatch_id}/reassign"): STAFF, ("POST", "/api/members/{member_id}/login-link"): STAFF,
    ("GET", "/api/photos/{photo_id}"): WATCHER, ("GET", "/api/dispatch-metrics"): STAFF,
    ("POST", "/api/phone/sign-in"): PUBLIC, ("GET", "/api/phone/me"): PATROL, ("POST", "/api/phone/steps"): PATROL,
    ("POST", "/api/phone/location"): PATROL, ("POST", "/api/phone/photos"): PATROL,
    ("GET", "/api/cameras/{camera}/snapshot.jpg"): WATCHER, ("GET", "/api/cameras/{camera}/snapshots"): WATCHER,
    ("GET", "/api/cameras/{camera}/snapshots/{name}"): WATCHER, ("GET", "/api/cameras/{camera}/mjpeg"): WATCHER,
    ("POST", "/api/broadcast/jobs"): STAFF, ("GET", "/api/broadcast/jobs"): STAFF,
    ("GET", "/api/broadcast/jobs/{job_id}"): STAFF, ("POST", "/api/broadcast/jobs/{job_id}/confirm"): STAFF,
    ("POST", "/api/broadcast/jobs/{job_id}/cancel"): STAFF, ("POST", "/api/broadcast/resolve"): STAFF,
    ("GET", "/api/broadcast/audio/{name}"): PUBLIC,  # fetched by loudspeakers, which cannot sign in
    ("GET", "/api/broadcast/zones"): STAFF, ("POST", "/api/broadcast/preview"): STAFF,
    ("GET", "/api/broadcast/recordings"): STAFF, ("POST", "/api/broadcast/recordings"): STAFF,
    ("DELETE", "/api/broadcast/recordings/{key}"): STAFF,
    ("GET", "/api/speakers"): WATCHER, ("POST", "/api/speakers/{speaker}/command"): STAFF,
    ("GET", "/api/calls"): WATCHER, ("GET", "/api/calls/{call_id}"): WATCHER, ("POST", "/api/calls"): STAFF,
    ("POST", "/api/calls/{call_id}/invite"): STAFF, ("PUT", "/api/calls/{call_id}/camera"): STAFF,
    ("POST", "/api/calls/{call_id}/remove"): STAFF, ("POST", "/api/calls/{call_id}/end"): STAFF,
    ("GET", "/tls/town-ca.crt"): PUBLIC,  # what village PCs and phones install to trust the console
    ("GET", "/api/screen/session"): PUBLIC,  # who is signed in, or null: the sign-in page asks it first
    ("GET", "/api/screen/setup"): WATCHER, ("GET", "/api/map"): WATCHER, ("GET", "/api/kpis"): WATCHER,
    ("GET", "/api/screen/snapshots"): WATCHER,
    # The live sockets' first messages, asked by console processes with the caller's session.
    ("GET", "/api/live/dispatch/opening"): STAFF, ("GET", "/api/live/cases/opening"): WATCHER,
    ("GET", "/api/live/broadcast/opening"): STAFF, ("GET", "/api/live/calls/opening"): WATCHER,
    ("POST", "/api/cases"): STAFF, ("POST", "/api/cases/reports"): ANYONE, ("POST", "/api/cases/photos"): ANYONE,
    ("POST", "/api/alerts/{alert_id}/case"): STAFF, ("GET", "/api/cases"): WATCHER,
    ("GET", "/api/cases/{case_id}"): WATCHER, ("GET", "/api/cases/{case_id}/full"): WATCHER,
    ("GET", "/api/cases/{case_id}/duplicates"): STAFF, ("GET", "/api/cases/{case_id}/photos/{photo_id}"): WATCHER,
    ("POST", "/api/cases/{case_id}/accept"): STAFF, ("POST", "/api/cases/{case_id}/reject"): STAFF,
    ("POST", "/api/cases/{case_id}/route"): STAFF, ("POST", "/api/cases/{case_id}/reassign"): STAFF,
    ("POST", "/api/cases/{case_id}/send-back"): WATCHER, ("POST", "/api/cases/{case_id}/start"): WATCHER,
    ("POST", "/api/cases/{case_id}/handle"): WATCHER, ("POST", "/api/cases/{case_id}/verify"): STAFF,
    ("POST", "/api/cases/{case_id}/redo"): STAFF, ("POST", "/api/cases/{case_id}/close"): STAFF,
    ("POST", "/api/cases/{case_id}/rate"): STAFF, ("POST", "/api/cases/{case_id}/reopen"): STAFF,
    ("POST", "/api/cases/{case_id}/merge"): STAFF, ("POST", "/api/cases/{case_id}/split"): STAFF,
    ("POST", "/api/cases/{case_id}/notes"): WATCHER, ("GET", "/api/cases/{case_id}/appointments"): WATCHER,
    ("POST", "/api/cases/{case_id}/extension"): WATCHER, ("POST", "/api/cases/{case_id}/extension/decision"): STAFF,
    ("GET", "/api/cases/{case_id}/mediation"): WATCHER, ("PUT", "/api/cases/{case_id}/mediation"): WATCHER,
    ("POST", "/api/cases/{case_id}/mediation/sessions"): WATCHER,
    ("POST", "/api/cases/{case_id}/mediation/outcome"): WATCHER,
    ("POST", "/api/cases/{case_id}/mediation/follow-ups"): WATCHER,
    ("GET", "/api/appointments"): STAFF, ("GET", "/api/appointments/free"): STAFF,
    ("GET", "/api/appointments/day"): STAFF,
    ("POST", "/api/appointments"): STAFF, ("POST", "/api/appointments/{appointment_id}/cancel"): STAFF,
    ("GET", "/api/case-options"): ANYONE, ("GET", "/api/case-figures"): WATCHER,
    ("GET", "/api/case-figures/export"): WATCHER, ("GET", "/api/case-export"): WATCHER,
    # Open311 is for other systems: reading is open, filing needs the api_key of the town file, not a sign-in.
    ("GET", "/open311/v2/discovery.{fmt}"): PUBLIC, ("GET", "/open311/v2/services.{fmt}"): PUBLIC,
    ("GET", "/open311/v2/services/{service_code}.{fmt}"): PUBLIC, ("POST", "/open311/v2/requests.{fmt}"): PUBLIC,
    ("GET", "/open311/v2/requests.{fmt}"): PUBLIC, ("GET", "/open311/v2/requests/{service_request_id}.{fmt}"): PUBLIC,
    ("GET", "/open311/v2/tokens/{token}.{fmt}"): PUBLIC,
    ("GET", "/api/register/access"): REGISTER,
    ("GET", "/api/register/people"): REGISTER, ("POST", "/api/register/people"): REGISTER,
    ("GET", "/api/register/people/{person_id}"): REGISTER, ("PATCH", "/api/register/people/{person_id}"): REGISTER,
    ("GET", "/api/register/houses"): REGISTER, ("GET", "/api/register/houses/{number}"): REGISTER,
    ("PUT", "/api/register/houses/{number}"): REGISTER, ("GET", "/api/register/organisations"): REGISTER,
    ("PUT", "/api/register/organisations/{code}"): REGISTER, ("GET", "/api/register/organisations/{code}"): REGISTER,
    ("GET", "/api/register/key-groups"): KEY_GROUPS, ("GET", "/api/register/households/{number}"): REGISTER,
    ("POST", "/api/register/key-groups"): KEY_GROUPS, ("PATCH", "/api/register/key-groups/{entry_id}"): KEY_GROUPS,
    ("GET", "/api/register/templates/{kind}.xlsx"): REGISTER,
    ("POST", "/api/register/imports/{kind}"): REGISTER, ("GET", "/api/register/exports/{kind}.{fmt}"): REGISTER,
    # Grid work: the register's readers (starting a campaign is the centre's, refused inside with a reason).
    ("GET", "/api/gridwork/checklists"): REGISTER,
    ("POST", "/api/gridwork/campaigns"): REGISTER,
    ("GET", "/api/gridwork/campaigns"): REGISTER,
    ("GET", "/api/gridwork/campaigns/{campaign_id}/assignments"): REGISTER,
    ("GET", "/api/gridwork/campaigns/{campaign_id}/houses"): REGISTER,
    ("GET", "/api/gridwork/campaigns/{campaign_id}/houses/{house}"): REGISTER,
    ("POST", "/api/gridwork/photos"): REGISTER,
    ("POST", "/api/gridwork/campaigns/{campaign_id}/houses/{house}/inspections"): REGISTER,
    ("PUT", "/api/gridwork/campaigns/{campaign_id}/houses/{house}/order"): REGISTER,
    ("GET", "/api/gridwork/campaigns/{campaign_id}/progress"): REGISTER,
    ("GET", "/api/gridwork/campaigns/{campaign_id}/report.xlsx"): REGISTER,
    ("POST", "/api/gridwork/visits"): REGISTER,
    ("GET", "/api/gridwork/visits"): REGISTER,
    ("POST", "/api/gridwork/visits/{visit_id}/needs/{index}/case"): REGISTER,
    ("GET", "/api/gridwork/visits/schedule"): REGISTER,
    ("GET", "/api/gridwork/visits/coverage"): REGISTER,
    ("GET", "/api/gridwork/notices/templates"): NOTICES, ("GET", "/api/gridwork/notices/grids"): NOTICES,
    ("POST", "/api/gridwork/notices/preview"): NOTICES, ("POST", "/api/gridwork/notices"): NOTICES,
    ("GET", "/api/gridwork/notices"): NOTICES, ("GET", "/api/gridwork/notices/{notice_id}"): NOTICES,
}
# The county hub's console (console/county_app.py): its own accounts, county roles only, its own table.
COUNTY_READER, COUNTY_ADMIN = "county reader", "county admin"
COUNTY_ALLOWED = {PUBLIC: set(Role), ANYONE: set(Role), COUNTY_READER: {Role.county_admin, Role.county_officer},
                  COUNTY_ADMIN: {Role.county_admin}}
COUNTY_ROUTES = {
    ("GET", "/"): PUBLIC, ("POST", "/api/auth/login"): PUBLIC, ("POST", "/api/auth/logout"): ANYONE,
    ("GET", "/api/auth/me"): ANYONE, ("GET", "/api/county/session"): PUBLIC,
    ("GET", "/api/users"): COUNTY_ADMIN, ("POST", "/api/users"): COUNTY_ADMIN,
    ("PATCH", "/api/users/{username}"): COUNTY_ADMIN, ("GET", "/api/audit"): COUNTY_ADMIN,
    ("GET", "/api/county/screen"): COUNTY_READER, ("GET", "/api/county/towns"): COUNTY_READER,
    ("GET", "/api/county/alerts"): COUNTY_READER, ("GET", "/api/county/alerts/log"): COUNTY_READER,
    ("GET", "/api/county/cases"): COUNTY_READER, ("GET", "/api/county/directives"): COUNTY_READER,
    ("POST", "/api/county/directives"): COUNTY_READER, ("GET", "/api/county/refused"): COUNTY_READER,
    ("GET", "/county"): COUNTY_READER, ("GET", "/county/towns/{town_id}"): COUNTY_READER,
    ("POST", "/api/county/intake"): COUNTY_READER, ("GET", "/api/county/intake"): COUNTY_READER,
    ("GET", "/api/county/intake/{case_id}"): COUNTY_READER,
    ("POST", "/api/county/intake/{case_id}/route"): COUNTY_READER,
    ("POST", "/api/county/broadcasts"): COUNTY_READER, ("GET", "/api/county/broadcasts"): COUNTY_READER,
}
SOCKETS = {"/ws/alerts": WATCHER, "/ws/live": WATCHER, "/ws/cameras": WATCHER, "/ws/dispatch": STAFF,
           "/ws/broadcast": STAFF, "/ws/phone": PATROL, "/ws/calls": WATCHER, "/ws/calls/{call_id}": WATCHER,
           "/ws/cases": WATCHER}
# The cadre's village is shimen (RS01, CAM13, SPK13, team T06); liuwan (RS02, CAM15 …) is another's.
OWN = {"device_id": "RS01", "camera": "CAM13", "speaker": "SPK13", "team_id": "T06", "member_id": "T06.2",
       "username": "officer", "job_id": "1", "name": "x.jpg", "photo_id": "0" * 32, "appointment_id": "1",
       "fmt": "json", "service_code": "disputes", "service_request_id": "1", "token": "t", "key": "0" * 64,
       "person_id": "1", "number": "G19-F00001", "code": "X1", "kind": "people",
       "campaign_id": "1", "house": "G19-F00001", "visit_id": "1", "index": "0", "notice_id": "1",
       "entry_id": "1", "directive_id": "1", "seq": "1"}
OTHER = OWN | {"device_id": "RS02", "camera": "CAM15", "speaker": "SPK16", "team_id": "T07", "member_id": "T07.2"}
QUERIES = {"/api/readings": {"device": "{device_id}", "quantity": "water_level"},
           "/api/device-events": {"device": "{device_id}"}, "/api/dispatches": {"alert_id": "{alert_id}"}}
# Routes a cadre reaches only in their village.
SCOPED = ("{device_id}", "{camera}", "{alert_id}", "{dispatch_id}", "{call_id}", "{case_id}", "{photo_id}")


@dataclass
class Town:
    """A running hub with an alert and a dispatch (its team's photo from the scene) in the cadre's village and in
    another, and a session per role."""

    hub: Hub
    http: httpx.AsyncClient
    auth: dict[Role, dict[str, str]]
    own: dict[str, str]
    other: dict[str, str]


@pytest.fixture
async def town(tmp_path: Path) -> AsyncIterator[Town]:
    port = free_port()
    async with make_hub(hub_settings(tmp_path, None, embedded_port=port)) as hub, \
            httpx.AsyncClient(base_url=console_url(hub)) as http:
        await publish_level(port, "RS01", hub, 58.4)
        await publish_level(port, "RS02", hub, 57.6)
        await wait_for(lambda: len(hub.ctx.alerts.book.open_alerts()) == 2, what="an alert in each village")
        alerts = {a.device: a.id for a in hub.ctx.alerts.book.open_alerts()}
        auth = {role: await signed_in(hub, role, "shimen" if role is Role.cadre else None)
                for role in (Role.admin, Role.officer, Role.cadre, Role.grid_worker)}
        dispatches = [(await http.post("/api/dispatches", headers=auth[Role.officer], json={
            "alert_id": alerts[device], "teams": [team], "instructions": "巡查"})).json()[0]["id"]
            for device, team in (("RS01", "T06"), ("RS02", "T07"))]
        photos = [await scene_photo(http, await phone(http, auth[Role.officer], f"{team}.1"), dispatch)
                  for team, dispatch in zip(("T06", "T07"), dispatches, strict=True)]
        auth[Role.patrol] = await phone(http, auth[Role.officer], "T01.1")
        cases = [await routed_case(http, auth[Role.officer], grid, village)
                 for grid, village in (("G19", "shimen"), ("G24", "liuwan"))]
        calls = [str((await http.post("/api/calls", headers=auth[Role.officer], json={
            "villages": [village]})).json()["id"]) for village in ("shimen", "liuwan")]
        yield Town(hub, http, auth, OWN | {"alert_id": str(alerts["RS01"]), "dispatch_id": str(dispatches[0]),
                                           "case_id": cases[0], "call_id": calls[0], "photo_id": photos[0]},
                   OTHER | {"alert_id": str(alerts["RS02"]), "dispatch_id": str(dispatches[1]), "case_id": cases[1],
                            "call_id": calls[1], "photo_id": photos[1]})


async def routed_case(http: httpx.AsyncClient, officer: dict[str, str], grid: str, village: str) -> str:
    """A case in *grid* that the centre has given to its village to handle."""
    made = await http.post("/api/cases", headers=officer, json={
        "requester": {"name": "王秀英", "phone": "13812341234"}, "category": "disputes", "grid": grid,
        "matter": "邻里纠纷"})
    case_id = made.json()["case"]["id"]
    await http.post(f"/api/cases/{case_id}/route", headers=officer, json={"lead": f"village:{village}"})
    return str(case_id)


async def scene_photo(http: httpx.AsyncClient, phone: dict[str, str], dispatch: int) -> str:
    """A photo the team's phone sends with its acknowledgement of *dispatch*: its id."""
    image = bytes(cv2.imencode(".jpg", np.full((48, 64, 3), 90, np.uint8))[1].tobytes())
    photo = (await http.post(f"/api/phone/photos?key=p-{dispatch:06d}", headers=phone, content=image)).json()["photo"]
    step = await http.post("/api/phone/steps", headers=phone, json={
        "dispatch": dispatch, "key": f"ack-{dispatch:06d}", "step": "acknowledge", "photo": photo})
    assert step.status_code == 200, step.text
    return str(photo)


async def phone(http: httpx.AsyncClient, officer: dict[str, str], member: str) -> dict[str, str]:
    code = (await http.post(f"/api/members/{member}/login-link", headers=officer)).json()["code"]
    token = (await http.post("/api/phone/sign-in", json={"code": code})).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def routes(hub: Hub) -> tuple[list[tuple[str, str]], list[str]]:
    """Every HTTP route (method, path) and every socket path the console serves, routers included."""
    contexts = list(iter_route_contexts(create_app(hub.ctx).routes))
    http = [(method, str(r.path)) for r in contexts if isinstance(r.original_route, Route)
            for method in sorted(r.methods or ())]
    return http, [str(r.path) for r in contexts if isinstance(r.original_route, WebSocketRoute)]


async def call(town: Town, method: str, path: str, params: dict[str, str], headers: dict[str, str]) -> int:
    url = path.format(**params)
    query = {k: v.format(**params) for k, v in QUERIES.get(path, {}).items()}
    body = {} if method in ("POST", "PUT", "PATCH") else None
    response = await town.http.request(method, url, params=query, json=body, headers=headers)
    return response.status_code


async def test_every_route_and_socket_is_in_the_table(town: Town) -> None:
    http, sockets = routes(town.hub)
    assert sorted(set(http) - {("HEAD", p) for _, p in http}) == sorted(ROUTES), set(http) ^ set(ROUTES)
    assert sorted(sockets) == sorted(SOCKETS)


async def test_without_sign_in_only_public_routes_answer(town: Town) -> None:
    for (method, path), level in ROUTES.items():
        status = await call(town, method, path, town.own, {})
        if level == PUBLIC:
            assert status not in (401, 403), (method, path, status)
        else:
            assert status == 401, (method, path, status)


@pytest.mark.parametrize("role", [Role.admin, Role.officer, Role.cadre, Role.patrol, Role.grid_worker])
async def test_each_role_reaches_its_routes_and_no_others(town: Town, role: Role) -> None:
    for (method, path), level in sorted(ROUTES.items(), key=lambda item: item[0][1]):
        if path == "/api/auth/logout":
            continue  # would end the session the rest of the table uses; see test_sign_in.py
        status = await call(town, method, path, town.own, town.auth[role])
        if role in ALLOWED[level]:
            assert status not in (401, 403), (role, method, path, status)
        else:
            assert status == 403, (role, method, path, status)


async def test_a_cadre_is_refused_everything_of_another_village(town: Town) -> None:
    cadre = town.auth[Role.cadre]
    for (method, path), level in ROUTES.items():
        if level == WATCHER and any(p in path or p in str(QUERIES.get(path)) for p in SCOPED):
            assert await call(town, method, path, town.other, cadre) == 403, (method, path)
            assert await call(town, method, path, town.other, town.auth[Role.officer]) not in (401, 403)


async def test_a_cadres_lists_hold_only_their_village(town: Town) -> None:
    cadre = town.auth[Role.cadre]

    async def ids(path: str, key: str = "id") -> set[str]:
        return {str(item[key]) for item in (await town.http.get(path, headers=cadre)).json()}

    shimen = next(v for v in town.hub.ctx.town.villages if v.id == "shimen")
    grids = {g.id for g in shimen.grids}
    assert await ids("/api/devices") == {d.id for d in town.hub.ctx.town.devices if d.grid in grids}
    assert await ids("/api/alerts") == {town.own["alert_id"]}
    assert await ids("/api/teams") == {"T06"}
    other = await town.http.get("/api/alerts", params={"village": "liuwan"}, headers=cadre)
    assert other.status_code == 403


async def test_a_cadre_sees_the_scene_photos_of_a_dispatch_or_case_in_scope(town: Town) -> None:
    cadre, officer = town.auth[Role.cadre], town.auth[Role.officer]

    async def status(photo: str, headers: dict[str, str]) -> int:
        return (await town.http.get(f"/api/photos/{photo}", headers=headers)).status_code

    assert (await status(town.own["photo_id"], cadre), await status(town.other["photo_id"], cadre)) == (200, 403)
    assert await status("f" * 32, cadre) == 404
    # Liuwan's alert becomes a case that the centre gives shimen to lead: its scene is shimen's business now.
    made = await town.http.post(f"/api/alerts/{town.other['alert_id']}/case", headers=officer, json={})
    assert made.status_code == 201, made.text
    routed = await town.http.post(f"/api/cases/{made.json()['id']}/route", headers=officer,
                                  json={"lead": "village:shimen"})
    assert routed.status_code == 200, routed.text
    assert await status(town.other["photo_id"], cadre) == 200
    assert (await town.http.get(f"/api/alerts/{town.other['alert_id']}", headers=cadre)).status_code == 403


@pytest.mark.parametrize("role", [None, Role.admin, Role.officer, Role.cadre, Role.patrol, Role.grid_worker])
async def test_each_socket_admits_its_roles_only(town: Town, role: Role | None) -> None:
    base = console_url(town.hub).replace("http", "ws", 1).rstrip("/")
    headers = town.auth[role] if role else {}
    for path, level in SOCKETS.items():
        url = base + path.format(**town.own)
        if role is Role.patrol:
            url += "?token=" + headers["Authorization"][7:]
        async with websockets.connect(url, additional_headers=headers) as ws:
            closed = await closed_with(ws)
        if role is None:
            assert closed == 4401, path
        elif role in ALLOWED[level]:
            assert closed is None, (role, path, closed)
        else:
            assert closed == 4403, (role, path, closed)


async def closed_with(ws: websockets.ClientConnection) -> int | None:
    """The close code if the server closes the socket at once; None if it keeps it open."""
    try:
        while True:
            await asyncio.wait_for(ws.recv(), 0.5)
    except TimeoutError:
        return None
    except websockets.ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else -1
