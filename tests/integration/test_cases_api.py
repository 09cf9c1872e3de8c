"""Cases over real HTTP: the desk, the lifecycle and its refusals, roles, masking and the audited whole record."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import cv2
import httpx
import numpy as np
import openpyxl
import pytest

from hub.users.model import Role
from tests.case_api_support import MONDAY, Centre, Steered, clock_from, desk_case, open_centre
from tests.case_support import ID_NUMBER, PHONE, middle_of, town_ts
from tests.support import console_url, free_port, hub_settings, make_hub, publish_level, signed_in, wait_for

pytestmark = pytest.mark.integration


@pytest.fixture
async def centre(tmp_path: Path) -> AsyncIterator[Centre]:
    async with open_centre(tmp_path) as opened:
        yield opened


async def test_the_desk_takes_a_case_with_an_appointment(centre: Centre) -> None:
    start = "2026-03-11T10:00:00+08:00"
    made = await centre.post("/api/cases", centre.officer, **desk_case(
        appointment={"resource": "mediation-1", "start": start, "minutes": 60, "purpose": "邻里调解"}))
    assert made.status_code == 201, made.text
    body = made.json()
    case = body["case"]
    assert case["state"] == "accepted" and case["number"] == "20260309-0001" and case["village"] == "shimen"
    assert case["limit"] == "10个工作日" and case["due_at"] == "2026-03-23T09:30:00Z"
    assert case["masked"] and case["requester"]["phone"] == "138****1234"
    assert case["requester"]["id_number"] == "430***********123X" and "138****1234" in case["matter"]
    assert body["appointment"]["resource_name"] == "调解室一" and body["appointment"]["case_id"] == case["id"]
    assert body["appointment"]["phone"] == "138****1234"
    assert body["duplicates"] == []
    taken = await centre.post("/api/cases", centre.officer, **desk_case(
        appointment={"resource": "mediation-1", "start": "2026-03-11T10:30:00+08:00", "minutes": 30}))
    assert taken.status_code == 409 and "调解室一 is booked" in taken.json()["detail"]
    assert len((await centre.get("/api/cases", centre.officer)).json()) == 1  # refused whole: no case made
    again = await centre.post("/api/cases", centre.officer, **desk_case(source="wechat"))
    assert [d["case"]["id"] for d in again.json()["duplicates"]] == [case["id"]]
    free = (await centre.get("/api/appointments/free", centre.officer, date="2026-03-11")).json()
    assert "2026-03-11T02:00:00Z" not in free["mediation-1"] and "2026-03-11T02:00:00Z" in free["mediation-2"]
    trail = (await centre.get(f"/api/cases/{case['id']}", centre.officer)).json()["trail"]
    assert [e["action"] for e in trail] == ["receive", "accept", "appointment"]


async def test_the_loop_over_http_with_its_refusals(centre: Centre) -> None:
    case_id = (await centre.post("/api/cases", centre.officer, **desk_case())).json()["case"]["id"]
    path = f"/api/cases/{case_id}"
    wrong = await centre.post(f"{path}/verify", centre.officer)
    assert wrong.status_code == 409
    assert wrong.json()["detail"] == (f"case {case_id} is accepted (已受理): verify applies only to a case that is "
                                      "已办结")
    assert (await centre.post(f"{path}/reject", centre.officer)).status_code == 422  # no reason
    assert (await centre.post(f"{path}/route", centre.officer, lead="department:nowhere")).status_code == 422
    assert (await centre.post(f"{path}/accept", centre.shimen)).status_code == 403  # the centre's step
    routed = await centre.post(f"{path}/route", centre.officer, lead="village:shimen",
                               assisting=["department:judicial"], note="由石门村牵头，司法所协助")
    assert routed.json()["state"] == "routed" and routed.json()["lead"]["name"] == "石门村"
    assert (await centre.post(f"{path}/start", centre.liuwan)).status_code == 403  # not theirs to see
    assert (await centre.post(f"{path}/start", centre.shimen, note="已上门")).json()["state"] == "handling"
    asked = await centre.post(f"{path}/extension", centre.shimen, days=2, reason="当事人外出")
    assert asked.json()["extensions"][0]["approved"] is None
    decided = await centre.post(f"{path}/extension/decision", centre.officer, approve=True)
    assert decided.json()["due_at"] == "2026-03-25T09:30:00Z"
    assert (await centre.post(f"{path}/handle", centre.shimen, result="杂物已清理，双方和解")).status_code == 200
    for step, body in (("verify", {"note": "回访属实"}), ("close", {}), ("rate", {"rating": 5, "note": "满意"})):
        answer = await centre.post(f"{path}/{step}", centre.officer, **body)
        assert answer.status_code == 200, (step, answer.text)
    assert answer.json()["state"] == "rated" and answer.json()["rating"] == 5
    reopened = await centre.post(f"{path}/reopen", centre.officer, reason="杂物又堆回来了")
    assert reopened.json()["state"] == "routed" and reopened.json()["reopened"] == 1
    trail = (await centre.get(path, centre.officer)).json()["trail"]
    assert [e["action"] for e in trail] == ["receive", "accept", "route", "start", "extend_ask", "extend_decide",
                                           "handle", "verify", "close", "rate", "reopen"]
    assert trail[3]["actor"].startswith("村干部 ") and trail[3]["actor"].endswith("(cadre.shimen)")


async def test_merge_on_confirmation(centre: Centre) -> None:
    first = (await centre.post("/api/cases", centre.officer, **desk_case())).json()["case"]["id"]
    second = (await centre.post("/api/cases", centre.officer, **desk_case(source="visit"))).json()["case"]["id"]
    suggested = (await centre.get(f"/api/cases/{second}/duplicates", centre.officer)).json()
    assert [d["case"]["id"] for d in suggested] == [first] and "同一类别" in suggested[0]["reasons"]
    merged = await centre.post(f"/api/cases/{second}/merge", centre.officer, into=first, reason="同一事项")
    assert merged.json()["state"] == "merged" and merged.json()["merged_into"] == first
    assert (await centre.get(f"/api/cases/{first}", centre.officer)).json()["merged"] == [second]
    again = await centre.post(f"/api/cases/{second}/merge", centre.officer, into=first, reason="同一事项")
    assert again.status_code == 409


async def test_who_sees_what(centre: Centre) -> None:
    patrol = await patrol_phone(centre)
    own = (await centre.post("/api/cases", centre.officer, **desk_case())).json()["case"]["id"]
    elsewhere = (await centre.post("/api/cases", centre.officer, **desk_case(grid="G24"))).json()["case"]["id"]
    assert [c["id"] for c in (await centre.get("/api/cases", centre.shimen)).json()] == [own]
    assert (await centre.get(f"/api/cases/{elsewhere}", centre.shimen)).status_code == 403
    assert (await centre.get("/api/cases", centre.shimen, village="liuwan")).status_code == 403
    assert (await centre.get(f"/api/cases/{own}", patrol)).status_code == 403
    assert (await centre.get("/api/cases", patrol)).status_code == 403
    masked = (await centre.get(f"/api/cases/{own}", centre.shimen)).json()
    assert masked["requester"]["phone"] == "138****1234" and "13812341234" not in str(masked)
    # The whole record: staff always; a cadre only once their village leads the case; every read audited.
    assert (await centre.get(f"/api/cases/{own}/full", centre.shimen)).status_code == 403
    whole = (await centre.get(f"/api/cases/{own}/full", centre.officer)).json()
    assert not whole["masked"] and whole["requester"]["phone"] == PHONE and whole["requester"]["id_number"] == ID_NUMBER
    await centre.post(f"/api/cases/{own}/route", centre.officer, lead="grid:G19")
    assert (await centre.get(f"/api/cases/{own}/full", centre.shimen)).json()["requester"]["phone"] == PHONE
    audit = (await centre.get("/api/audit", centre.admin, limit=100)).json()
    reads = [(e["username"], e["target"]) for e in audit if e["action"] == "GET /api/cases/{case_id}/full"]
    assert sorted(reads) == [("cadre.shimen", f"/api/cases/{own}/full"), ("officer", f"/api/cases/{own}/full")]


async def patrol_phone(centre: Centre) -> dict[str, str]:
    code = (await centre.post("/api/members/T06.1/login-link", centre.officer)).json()["code"]
    token = (await centre.http.post("/api/phone/sign-in", json={"code": code})).json()["token"]
    return {"Authorization": f"Bearer {token}"}


async def test_a_patrol_phone_reports_with_a_photo_and_gets_its_receipt_only(centre: Centre) -> None:
    patrol = await patrol_phone(centre)
    png = cv2.imencode(".png", np.full((60, 80, 3), (30, 120, 200), np.uint8))[1].tobytes()
    photo = (await centre.http.post("/api/cases/photos", params={"key": "report-0001"}, content=png,
                                    headers=patrol)).json()["photo"]
    own = (await centre.post("/api/cases", centre.officer, **desk_case(category="roads", matter="石门桥护栏断了")))
    report = await centre.post("/api/cases/reports", patrol, category="roads", matter="石门桥东侧护栏断裂，有坠河风险",
                               location=dict(zip(("lon", "lat"), middle_of("G19"), strict=True)), photos=[photo],
                               urgent=True)
    assert report.status_code == 201, report.text
    case = report.json()["case"]
    assert case["source"] == "grid" and case["grid"] == "G19" and case["photos"] == [photo]
    assert case["created_by"].startswith("巡逻队员") and report.json()["duplicates"] == []
    assert own.status_code == 201
    seen = await centre.http.get(f"/api/cases/{case['id']}/photos/{photo}", headers=centre.shimen)
    assert seen.status_code == 200 and seen.content[:2] == b"\xff\xd8"
    bad = await centre.post("/api/cases/reports", patrol, category="roads", matter="x",
                            location={"lon": 113.0671, "lat": 27.2149}, photos=["0" * 32])
    assert bad.status_code == 422


async def test_mediation_records(centre: Centre) -> None:
    case_id = (await centre.post("/api/cases", centre.officer, **desk_case())).json()["case"]["id"]
    path = f"/api/cases/{case_id}/mediation"
    parties = [{"name": "王秀英", "role": "applicant", "phone": PHONE, "id_number": ID_NUMBER},
               {"name": "李建国", "role": "respondent", "phone": "13973412345"}]
    assert (await centre.http.put(path, json={"parties": parties}, headers=centre.officer)).status_code == 200
    held = await centre.post(f"{path}/sessions", centre.officer, place="调解室一", mediators=["司法所 李华"],
                             summary="双方陈述，初步同意清理通道", at="2026-03-11T10:00:00+08:00")
    assert held.status_code == 201 and held.json()["sessions"][0]["place"] == "调解室一"
    unwritten = await centre.post(f"{path}/outcome", centre.officer, outcome="agreed")
    assert unwritten.status_code == 422 and "agreement needs its text" in unwritten.text
    agreed = (await centre.post(f"{path}/outcome", centre.officer, outcome="agreed",
                                agreement="一、李建国于三日内清理通道杂物；二、双方今后互谅互让。")).json()
    assert agreed["outcome_label"] == "调解成功" and agreed["follow_up_due"] == "2026-03-30T09:30:00Z"
    visited = await centre.post(f"{path}/follow-ups", centre.officer, note="回访：通道已清理", fulfilled=True)
    assert visited.json()["follow_ups"][0]["fulfilled"] is True
    shown = (await centre.get(path, centre.shimen)).json()
    assert [p["phone"] for p in shown["parties"]] == ["138****1234", "139****2345"]
    whole = (await centre.get(f"/api/cases/{case_id}/full", centre.officer)).json()
    assert whole["mediation"]["parties"][0]["id_number"] == ID_NUMBER
    assert [e["action"] for e in whole["trail"]][-4:] == ["mediation"] * 4
    assert (await centre.http.put(path, json={"parties": parties}, headers=centre.liuwan)).status_code == 403


async def test_figures_and_exports(centre: Centre) -> None:
    for grid, category in (("G19", "disputes"), ("G20", "roads"), ("G24", "disputes")):
        await centre.post("/api/cases", centre.officer, **desk_case(grid=grid, category=category))
    figures = (await centre.get("/api/case-figures", centre.officer, by="village", period="day")).json()
    assert [(r["period"], r["name"], r["received"], r["in_progress"]) for r in figures["rows"]] == [
        ("2026-03-09", "柳湾村", 1, 1), ("2026-03-09", "石门村", 2, 2)]
    assert figures["total"]["received"] == 3 and figures["total"]["on_time_rate"] is None
    mine = (await centre.get("/api/case-figures", centre.shimen, by="category")).json()
    assert {r["key"]: r["received"] for r in mine["rows"]} == {"disputes": 1, "roads": 1}
    assert (await centre.get("/api/case-figures", centre.shimen, village="liuwan")).status_code == 403
    csv_file = await centre.get("/api/case-figures/export", centre.officer, format="csv", by="category")
    assert csv_file.headers["content-type"] == "text/csv; charset=utf-8"
    lines = csv_file.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("时段,分组,名称,受理总数") and lines[1].startswith("2026-03,disputes,矛盾纠纷,2,2")
    sheet = await centre.get("/api/case-export", centre.shimen)
    rows = list(openpyxl.load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("编号", "接收时间", "来源") and len(rows) == 3  # the header and the village's two
    assert "13812341234" not in str(rows) and "王秀英" not in str(rows)


async def test_an_alert_becomes_a_case_in_one_action(tmp_path: Path) -> None:
    port = free_port()
    async with make_hub(hub_settings(tmp_path, None, embedded_port=port), clock=clock_from(MONDAY)) as hub, \
            httpx.AsyncClient(base_url=console_url(hub)) as http:
        await publish_level(port, "RS01", hub, 58.4, hub.ctx.clock())
        await wait_for(lambda: len(hub.ctx.alerts.book.open_alerts()) == 1, what="an alert")
        alert = hub.ctx.alerts.book.open_alerts()[0]
        officer = await signed_in(hub, Role.officer)
        made = await http.post(f"/api/alerts/{alert.id}/case", json={"note": "请石门村组织巡堤"}, headers=officer)
        assert made.status_code == 201, made.text
        case = made.json()
        assert (case["source"], case["category"], case["state"], case["urgent"]) == ("alert", "flood-safety",
                                                                                    "accepted", True)
        assert case["alert_id"] == alert.id and case["village"] == "shimen" and case["title"] == alert.title
        assert case["limit"] == "当日" and case["matter"].endswith("请石门村组织巡堤")
        again = await http.post(f"/api/alerts/{alert.id}/case", json={}, headers=officer)
        assert again.status_code == 409 and f"already case {case['id']}" in again.json()["detail"]
        assert (await http.post("/api/alerts/999/case", json={}, headers=officer)).status_code == 404


async def test_cases_and_their_numbers_survive_a_restart(tmp_path: Path) -> None:
    settings = hub_settings(tmp_path, None)
    for expected in ("20260309-0001", "20260309-0002"):
        async with make_hub(settings, clock=clock_from(MONDAY)) as hub, \
                httpx.AsyncClient(base_url=console_url(hub)) as http:
            officer = await signed_in(hub, Role.officer)
            made = (await http.post("/api/cases", json=desk_case(), headers=officer)).json()["case"]
            assert made["number"] == expected
            assert len(hub.ctx.cases.book.cases) == int(expected[-1])  # the first is back in the book


async def test_the_timers_remind_and_escalate_into_the_trail(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("hub.cases.service.TICK_S", 0.05)
    clock = Steered("2026-03-13 10:00")  # a Friday
    async with make_hub(hub_settings(tmp_path, None), clock=clock) as hub, \
            httpx.AsyncClient(base_url=console_url(hub)) as http:
        officer = await signed_in(hub, Role.officer)
        made = await http.post("/api/cases", json=desk_case(category="self-built-housing"), headers=officer)
        case_id = made.json()["case"]["id"]
        assert made.json()["case"]["due_at"] == "2026-03-18T09:30:00Z"  # 17:30 town time, 3 working days on
        clock.now = town_ts("2026-03-18 12:00")
        await wait_for(lambda: hub.ctx.cases.book.cases[case_id].reminded, what="the reminder")
        clock.now = town_ts("2026-03-19 09:00")
        await wait_for(lambda: hub.ctx.cases.book.cases[case_id].escalated, what="the escalation")
        trail = (await http.get(f"/api/cases/{case_id}", headers=officer)).json()
        assert [e["action"] for e in trail["trail"]][-2:] == ["remind", "escalate"]
        assert trail["trail"][-1]["actor"] == "system" and trail["overdue"]


async def test_handled_with_photos_of_the_result(centre: Centre) -> None:
    case_id = (await centre.post("/api/cases", centre.officer, **desk_case())).json()["case"]["id"]
    path = f"/api/cases/{case_id}"
    await centre.post(f"{path}/route", centre.officer, lead="village:shimen")
    await centre.post(f"{path}/start", centre.shimen)
    png = cv2.imencode(".png", np.full((60, 80, 3), (40, 160, 90), np.uint8))[1].tobytes()
    photo = (await centre.http.post("/api/cases/photos", params={"key": "result-0001"}, content=png,
                                    headers=centre.shimen)).json()["photo"]
    unknown = await centre.post(f"{path}/handle", centre.shimen, result="通道已清理", photos=["0" * 32])
    assert unknown.status_code == 422 and "upload it first" in unknown.text
    handled = await centre.post(f"{path}/handle", centre.shimen, result="通道已清理", photos=[photo])
    assert handled.json()["state"] == "handled" and handled.json()["result_photos"] == [photo]
    assert handled.json()["photos"] == []  # the intake's photos stay apart
    shown = await centre.http.get(f"{path}/photos/{photo}", headers=centre.officer)
    assert shown.status_code == 200 and shown.content[:2] == b"\xff\xd8"
    trail = (await centre.get(path, centre.officer)).json()["trail"]
    assert trail[-1]["action"] == "handle" and trail[-1]["detail"] == {"photos": photo}
    await centre.post(f"{path}/verify", centre.officer)
    await centre.post(f"{path}/close", centre.officer)
    reopened = await centre.post(f"{path}/reopen", centre.officer, reason="又堆回来了")
    assert reopened.json()["result_photos"] == [] and reopened.json()["result"] == ""
