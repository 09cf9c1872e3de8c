"""Input at the API's edge: numbers past what the stores hold, control characters in text, forged client addresses."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path
from xml.etree import ElementTree

import httpx
import pytest
from openpyxl import load_workbook

from hub.app import Hub
from hub.cases.model import NewCase, Source
from hub.users.model import Role
from tests.support import console_url, hub_settings, make_hub, signed_in

pytestmark = pytest.mark.integration
TOO_BIG = 2**63  # one past SQLite's and PostgreSQL's largest integer
REPORT = {"category": "disputes", "matter": "路灯坏了", "location": {"lon": 114.05, "lat": 30.1}}


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[Hub]:
    async with make_hub(hub_settings(tmp_path, None)) as running:
        yield running


@pytest.fixture
async def case_1(hub: Hub) -> int:
    case, _, _ = await hub.ctx.cases.receive(NewCase(Source.GRID, "disputes", "井盖缺失", "井盖缺失",
                                                     grid="G19", village="shimen"), "巡查员")
    return case.id


async def answers(hub: Hub, method: str, path: str, role: Role, **kwargs: object) -> httpx.Response:
    headers = await signed_in(hub, role, "shimen" if role is Role.cadre else None)
    async with httpx.AsyncClient(base_url=console_url(hub)) as http:
        return await http.request(method, path, headers=headers, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(("method", "path", "role", "kwargs"), [
    ("GET", f"/api/alerts/{TOO_BIG}", Role.cadre, {}),  # a path
    ("POST", f"/api/alerts/{TOO_BIG}/acknowledge", Role.cadre, {"json": {}}),
    ("GET", "/api/dispatches", Role.cadre, {"params": {"alert_id": -(2**70)}}),  # a query
    ("GET", "/api/audit", Role.admin, {"params": {"before_seq": TOO_BIG}}),
    ("GET", f"/api/cases/{TOO_BIG}", Role.cadre, {}),  # a path read by a dependency
    ("POST", "/api/cases/1/merge", Role.officer, {"json": {"into": TOO_BIG, "reason": "重复"}}),  # a body
    ("POST", "/api/dispatches", Role.officer, {"json": {"alert_id": TOO_BIG, "teams": ["T01"], "instructions": "x"}}),
    ("POST", "/api/calls", Role.officer, {"json": {"alert_id": TOO_BIG}}),
])
async def test_an_integer_past_the_stores_is_refused_with_the_reason(hub: Hub, case_1: int, method: str, path: str,
                                                                      role: Role, kwargs: dict[str, object]) -> None:
    assert case_1 == 1
    response = await answers(hub, method, path, role, **kwargs)
    assert response.status_code == 422, response.text
    assert "less than or equal to 9223372036854775807" in response.text or "greater than" in response.text


@pytest.mark.parametrize("number", [str(TOO_BIG), "²", "1,²"])
async def test_an_open311_request_number_that_is_no_case_number_is_not_found(hub: Hub, number: str) -> None:
    async with httpx.AsyncClient(base_url=console_url(hub)) as http:
        one = await http.get(f"/open311/v2/requests/{number}.json")
        listed = await http.get("/open311/v2/requests.json", params={"service_request_id": number})
    assert one.status_code == 404, one.text
    assert listed.status_code == 400, listed.text


async def test_a_control_character_in_a_report_is_refused_with_the_reason(hub: Hub) -> None:
    response = await answers(hub, "POST", "/api/cases/reports", Role.officer,
                             json={**REPORT, "matter": "路灯坏了\u0001"})
    assert response.status_code == 422, response.text
    assert "control character U+0001 at position 4" in response.text


@pytest.mark.parametrize(("path", "body", "where"), [  # bodies that are the hub's own models
    ("/api/broadcast/jobs", {"text": "请注意\u0001", "target": {"villages": ["shimen"]}}, "U+0001 at position 3"),
    ("/api/broadcast/jobs", {"text": "请注意", "target": {"villages": ["shi\u001bmen"]}}, "U+001B at position 3"),
    ("/api/broadcast/resolve", {"zones": ["\u0007"]}, "U+0007 at position 0"),
    ("/api/broadcast/jobs/1/confirm", {"text": "改\u007f"}, "U+007F at position 1"),
    ("/api/calls", {"title": "会商\u0000"}, "U+0000 at position 2"),
])
async def test_a_control_character_in_a_broadcast_or_a_call_is_refused(hub: Hub, path: str, body: dict[str, object],
                                                                       where: str) -> None:
    response = await answers(hub, "POST", path, Role.officer, json=body)
    assert response.status_code == 422, response.text
    assert f"control character {where}" in response.text


@pytest.mark.parametrize("role", [Role.officer, Role.cadre])
async def test_a_case_stored_with_a_control_character_still_exports(hub: Hub, role: Role) -> None:
    # Stored before the check on entry existed (or through a channel without it): exports must still work.
    await hub.ctx.cases.receive(NewCase(Source.GRID, "disputes", "路灯坏了\u0001", "路灯坏了\u0001",
                                        grid="G19", village="shimen"), "巡查员")
    await hub.ctx.cases.receive(NewCase(Source.GRID, "disputes", "=HYPERLINK(\"http://x\")", "公式",
                                        grid="G19", village="shimen"), "巡查员")
    xlsx = await answers(hub, "GET", "/api/case-export", role, params={"format": "xlsx"})
    assert xlsx.status_code == 200, xlsx.text
    titles = [row[5] for row in load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(min_row=2, values_only=True)]
    assert titles == ["路灯坏了\ufffd", "'=HYPERLINK(\"http://x\")"]
    csv = await answers(hub, "GET", "/api/case-export", role, params={"format": "csv"})
    assert csv.status_code == 200 and "路灯坏了\ufffd" in csv.text and "\u0001" not in csv.text
    listed = await answers(hub, "GET", "/api/cases", role)
    assert listed.status_code == 200 and "路灯坏了\\u0001" in listed.text  # JSON escapes it: nothing to change


async def test_a_case_stored_with_a_control_character_is_well_formed_open311_xml(hub: Hub) -> None:
    case, _, _ = await hub.ctx.cases.receive(NewCase(Source.OPEN311, "disputes", "路灯坏了\u0001", "路灯坏了\u0001",
                                                     grid="G19", village="shimen"), "open311")
    async with httpx.AsyncClient(base_url=console_url(hub)) as http:
        response = await http.get(f"/open311/v2/requests/{case.id}.xml")
    assert response.status_code == 200, response.text
    assert ElementTree.fromstring(response.content).findtext("request/description") == "路灯坏了\ufffd"
