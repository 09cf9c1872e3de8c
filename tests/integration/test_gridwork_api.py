"""Inspection campaigns and household visits through the console, signed in as each role, on SQLite and PostgreSQL:
a major hazard becomes a case, an order and a re-inspection close it, a visit's need becomes a case, and every
caller works in their own scope."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import cv2
import httpx
import numpy as np
import pytest
from openpyxl import load_workbook

from hub.app import Hub
from hub.gridwork.config import SELFBUILT
from hub.users.model import Role
from tests.integration.test_register_api import id_for, login
from tests.support import PASSWORD, ManualClock, console_url, hub_settings, make_hub, signed_in

pytestmark = pytest.mark.integration
ZONE = ZoneInfo("Asia/Shanghai")
# Houses: three commercial self-built in G19 and one in G20 (both 石门村), one in G24 (柳湾村), one own home in G19.
HOUSES = [("G19-A", "G19", True), ("G19-B", "G19", True), ("G19-C", "G19", True), ("G19-D", "G19", False),
          ("G20-A", "G20", True), ("G24-A", "G24", True)]
SAFE = {i.id: i.answers[0] for i in SELFBUILT.items}


@dataclass
class Town:
    hub: Hub
    http: httpx.AsyncClient
    auth: dict[str, dict[str, str]]
    clock: ManualClock

    async def call(self, who: str, method: str, path: str, **kw: Any) -> httpx.Response:
        return await self.http.request(method, path, headers=self.auth[who], **kw)


def house(number: str, grid: str, commercial: bool) -> dict[str, Any]:
    return {"number": number, "grid": grid, "address": f"石门村{number}号", "owner": "王建国", "lon": 111.1,
            "lat": 29.1, "use": "commercial" if commercial else "own", "commercial_selfbuilt": commercial}


def person(name: str, born: str, sequence: int, grid: str, household: str) -> dict[str, Any]:
    return {"name": name, "sex": "male", "id_number": id_for(born, sequence), "grid": grid,
            "address": f"{household}号", "household": household, "relation": "head"}


@pytest.fixture
async def town(tmp_path: Path, sql_url: str) -> AsyncIterator[Town]:
    """A hub with six houses and three households in the register, and accounts of every role."""
    clock = ManualClock()
    async with make_hub(hub_settings(tmp_path, None, state_url=sql_url), clock=clock) as hub, \
            httpx.AsyncClient(base_url=console_url(hub)) as http:
        await hub.ctx.users.create("gw.g19", PASSWORD, "刘洋", Role.grid_worker, grids=("G19",))
        await hub.ctx.users.create("gw.g20", PASSWORD, "陈静", Role.grid_worker, grids=("G20",))
        auth = {"officer": await signed_in(hub, Role.officer), "admin": await signed_in(hub, Role.admin),
                "shimen": await signed_in(hub, Role.cadre, "shimen"),
                "liuwan": await signed_in(hub, Role.cadre, "liuwan"), "g19": await login(http, "gw.g19"),
                "g20": await login(http, "gw.g20")}
        made = Town(hub, http, auth, clock)
        for number, grid, commercial in HOUSES:
            answer = await made.call("officer", "PUT", f"/api/register/houses/{number}",
                                     json=house(number, grid, commercial))
            assert answer.status_code == 200, answer.text
        for name, born, seq, grid, household in (("王一", "19700101", 11, "G19", "G19-H1"),
                                                 ("王二", "19710101", 13, "G19", "G19-H2"),
                                                 ("王三", "19720101", 15, "G24", "G24-H1")):
            answer = await made.call("officer", "POST", "/api/register/people",
                                     json=person(name, born, seq, grid, household))
            assert answer.status_code == 201, answer.text
        yield made


def png() -> bytes:
    ok, data = cv2.imencode(".png", np.full((40, 60, 3), 200, np.uint8))
    assert ok
    return data.tobytes()


async def photo(town: Town, who: str, key: str) -> str:
    answer = await town.call(who, "POST", "/api/gridwork/photos", params={"key": key}, content=png())
    assert answer.status_code == 200, answer.text
    return str(answer.json()["photo"])


async def inspection(town: Town, who: str, grade: str, **answers: str) -> dict[str, Any]:
    shot = await photo(town, who, f"{grade}-{len(answers)}")
    return {"answers": SAFE | answers, "photos": {i.id: [shot] for i in SELFBUILT.items if i.photo},
            "lon": 111.1, "lat": 29.1, "grade": grade, "note": ""}


async def start(town: Town) -> int:
    answer = await town.call("officer", "POST", "/api/gridwork/campaigns",
                             json={"name": "2026 经营性自建房安全隐患排查", "checklist": "selfbuilt"})
    assert answer.status_code == 201, answer.text
    assert answer.json()["houses"] == 5  # the commercial self-built ones only
    return int(answer.json()["id"])


def today(town: Town) -> dt.date:
    return dt.datetime.fromtimestamp(town.clock(), ZONE).date()


async def test_a_campaign_from_start_to_a_closed_hazard_with_its_case(town: Town) -> None:
    campaign = await start(town)
    base = f"/api/gridwork/campaigns/{campaign}/houses"
    assigned = (await town.call("shimen", "GET", f"/api/gridwork/campaigns/{campaign}/assignments")).json()
    assert [(a["grid"], a["workers"], a["houses"]) for a in assigned] == [("G19", ["刘洋 (gw.g19)"], 3),
                                                                         ("G20", ["陈静 (gw.g20)"], 1)]
    major = await town.call("g19", "POST", f"{base}/G19-A/inspections",
                            json=await inspection(town, "g19", "major", cracks="严重", **{"fire-exits": "堵塞"}))
    assert major.status_code == 201, major.text
    assert (major.json()["state"], major.json()["grade"]) == ("hazard", "major")
    case = (await town.call("officer", "GET", f"/api/cases/{major.json()['case_id']}")).json()
    assert (case["category"], case["urgent"], case["grid"], case["village"], case["state"]) == \
        ("self-built-housing", True, "G19", "shimen", "accepted")
    assert "承重墙、梁、柱有无裂缝：严重" in case["matter"] and "消防通道和安全出口是否畅通：堵塞" in case["matter"]
    assert len(case["photos"]) == 3 and case["source_ref"] == f"inspection:{campaign}:G19-A"
    early = await town.call("g19", "POST", f"{base}/G19-A/inspections", json=await inspection(town, "g19", "none"))
    assert early.status_code == 422 and "整改通知" in early.json()["detail"]
    deadline = (today(town) + dt.timedelta(days=7)).isoformat()
    ordered = await town.call("shimen", "PUT", f"{base}/G19-A/order",
                              json={"responsible": "王建国", "deadline": deadline, "measures": "加固承重墙，清理通道"})
    assert ordered.json()["state"] == "rectifying", ordered.text
    reinspection = await inspection(town, "g19", "none") | {"key": "phone-7f3a-0001"}
    closed = await town.call("g19", "POST", f"{base}/G19-A/inspections", json=reinspection)
    resent = await town.call("g19", "POST", f"{base}/G19-A/inspections", json=reinspection)  # the answer was lost
    assert resent.status_code == 201 and resent.json() == closed.json()
    assert (closed.json()["state"], closed.json()["worst"], closed.json()["case_id"]) == \
        ("closed", "major", case["id"])
    trail = [e["note"] for e in (await town.call("officer", "GET", f"/api/cases/{case['id']}")).json()["trail"]]
    assert trail[-2:] == [f"整改通知：责任人 王建国，期限 {deadline}，加固承重墙，清理通道",
                          "复查无隐患，已整改销号（网格员 刘洋 (gw.g19)）"]
    record = (await town.call("g19", "GET", f"{base}/G19-A")).json()
    assert [i["reinspection"] for i in record["inspections"]] == [False, True]
    assert record["inspections"][0]["inspector"] == "网格员 刘洋 (gw.g19)"
    log = (await town.call("admin", "GET", "/api/audit", params={"limit": 50})).json()
    assert any(e["action"] == "POST /api/gridwork/campaigns/{campaign_id}/houses/{house}/inspections"
               and e["username"] == "gw.g19" and e["status"] == 201 for e in log)


async def test_progress_by_grid_and_village_counts_inspected_hazards_put_right_and_overdue(town: Town) -> None:
    campaign = await start(town)
    base = f"/api/gridwork/campaigns/{campaign}/houses"
    for number, grade in (("G19-A", "ordinary"), ("G19-B", "none"), ("G19-C", "ordinary")):
        answers = {"wiring": "有"} if grade == "ordinary" else {}
        made = await town.call("g19", "POST", f"{base}/{number}/inspections",
                               json=await inspection(town, "g19", grade, **answers))
        assert made.status_code == 201 and made.json()["case_id"] is None, made.text
    for number, days in (("G19-A", 2), ("G19-C", 10)):
        deadline = (today(town) + dt.timedelta(days=days)).isoformat()
        await town.call("g19", "PUT", f"{base}/{number}/order",
                        json={"responsible": "王建国", "deadline": deadline, "measures": "更换老化线路"})
    still = await town.call("g19", "POST", f"{base}/G19-C/inspections",
                            json=await inspection(town, "g19", "ordinary", wiring="有"))
    assert (still.json()["state"], still.json()["inspections"]) == ("rectifying", 2)  # a hazard keeps it open
    await town.call("g19", "POST", f"{base}/G19-C/inspections", json=await inspection(town, "g19", "none"))
    town.clock.advance(4 * 86400)  # G19-A's deadline has passed, not put right
    figures = (await town.call("officer", "GET", f"/api/gridwork/campaigns/{campaign}/progress")).json()
    keys = ("total", "inspected", "hazards", "major", "rectified", "overdue")
    assert [figures["town"][k] for k in keys] == [5, 3, 2, 0, 1, 1]
    assert {g["grid"]: [g[k] for k in keys] for g in figures["grids"]} == {
        "G19": [3, 3, 2, 0, 1, 1], "G20": [1, 0, 0, 0, 0, 0], "G24": [1, 0, 0, 0, 0, 0]}
    assert {v["village"]: v["inspected"] for v in figures["villages"]} == {"shimen": 3, "liuwan": 0}
    cadre = (await town.call("shimen", "GET", f"/api/gridwork/campaigns/{campaign}/progress")).json()
    assert [v["village"] for v in cadre["villages"]] == ["shimen"] and cadre["town"]["total"] == 4
    worker = (await town.call("g19", "GET", f"/api/gridwork/campaigns/{campaign}/progress")).json()
    assert [g["grid"] for g in worker["grids"]] == ["G19"]
    report = await town.call("officer", "GET", f"/api/gridwork/campaigns/{campaign}/report.xlsx")
    book = load_workbook(io.BytesIO(report.content))
    rows = [[c.value for c in row] for row in book["按村汇总"].iter_rows(min_row=3)]
    assert rows == [["柳湾村", 1, 0, 0.0, 0, 0, 0, 0.0, 0], ["石门村", 4, 3, 0.75, 2, 0, 1, 0.5, 1],
                    ["合计", 5, 3, 0.6, 2, 0, 1, 0.5, 1]]
    assert (book["按村汇总"]["D4"].number_format, book["按网格"]["I3"].number_format) == ("0.0%", "0.0%")
    assert [c.value for c in book["按网格"][3]] == ["石门村", "石门村第一网格", 3, 3, 1.0, 2, 0, 1, 0.5, 1]


async def test_each_caller_works_in_their_own_scope(town: Town) -> None:
    campaign = await start(town)
    base = f"/api/gridwork/campaigns/{campaign}/houses"
    refused = await town.call("g20", "POST", f"{base}/G19-A/inspections", json=await inspection(town, "g20", "none"))
    assert refused.status_code == 403 and refused.json()["detail"] == "网格 G19 不在您的管辖范围"
    assert (await town.call("g20", "GET", f"{base}/G19-A")).status_code == 403
    assert (await town.call("liuwan", "GET", f"{base}/G19-A")).status_code == 403
    assert (await town.call("g19", "GET", f"{base}/G19-Z")).status_code == 404
    assert (await town.call("g19", "GET", "/api/gridwork/campaigns/999/houses")).status_code == 404
    assert [h["house"] for h in (await town.call("shimen", "GET", base)).json()] == ["G19-A", "G19-B", "G19-C",
                                                                                    "G20-A"]
    assert [h["house"] for h in (await town.call("g20", "GET", base)).json()] == ["G20-A"]
    assert [h["house"] for h in (await town.call("liuwan", "GET", base)).json()] == ["G24-A"]
    started = await town.call("shimen", "POST", "/api/gridwork/campaigns", json={"name": "村里自查",
                                                                                "checklist": "selfbuilt"})
    assert started.status_code == 403
    unphotographed = await inspection(town, "g19", "none") | {"photos": {}}
    answer = await town.call("g19", "POST", f"{base}/G19-A/inspections", json=unphotographed)
    assert answer.status_code == 422 and "须拍照" in answer.json()["detail"]
    unanswered = await inspection(town, "g19", "none")
    del unanswered["answers"]["wiring"]
    answer = await town.call("g19", "POST", f"{base}/G19-A/inspections", json=unanswered)
    assert answer.status_code == 422 and answer.json()["detail"] == "电气线路有无私拉乱接、老化：未作答"
    never = await inspection(town, "g19", "none") | {"photos": {"cracks": ["0" * 32], "added-floors": ["0" * 32],
                                                                 "fire-exits": ["0" * 32]}}
    answer = await town.call("g19", "POST", f"{base}/G19-A/inspections", json=never)
    assert answer.status_code == 422 and answer.json()["detail"] == f"照片 {'0' * 32} 未上传"
    bad = await inspection(town, "g19", "none", cracks="也许")
    answer = await town.call("g19", "POST", f"{base}/G19-A/inspections", json=bad)
    assert answer.status_code == 422 and "应为 无/轻微/严重" in answer.json()["detail"]


async def test_a_visit_is_logged_its_need_becomes_a_case_and_coverage_counts_it(town: Town) -> None:
    logged = {"household": "G19-H1", "raised": "老人独居，行动不便", "needs": [{"text": "门前路灯坏了，夜里看不见"}],
              "key": "phone-visit-0001"}
    visit = await town.call("g19", "POST", "/api/gridwork/visits", json=logged)
    assert visit.status_code == 201, visit.text
    assert (await town.call("g19", "POST", "/api/gridwork/visits", json=logged)).json() == visit.json()  # resent
    visit_id = visit.json()["id"]
    made = await town.call("g19", "POST", f"/api/gridwork/visits/{visit_id}/needs/0/case",
                           json={"category": "other"})
    assert made.status_code == 201, made.text
    case_id = made.json()["needs"][0]["case_id"]
    case = (await town.call("shimen", "GET", f"/api/cases/{case_id}")).json()
    assert (case["source"], case["grid"], case["title"], case["state"]) == \
        ("visit", "G19", "门前路灯坏了，夜里看不见", "accepted")
    again = await town.call("g19", "POST", f"/api/gridwork/visits/{visit_id}/needs/0/case", json={})
    assert again.status_code == 422 and str(case_id) in again.json()["detail"]
    other = await town.call("g20", "POST", "/api/gridwork/visits", json={"household": "G19-H2", "raised": "无"})
    assert other.status_code == 403
    assert (await town.call("g20", "POST", f"/api/gridwork/visits/{visit_id}/needs/0/case", json={})) \
        .status_code == 403
    coverage = {c["grid"]: c for c in (await town.call("shimen", "GET", "/api/gridwork/visits/coverage")).json()}
    assert set(coverage) == {"G19", "G20", "G21"}
    assert [coverage["G19"][k] for k in ("households", "month", "quarter")] == [2, 1, 1]
    schedule = (await town.call("g19", "GET", "/api/gridwork/visits/schedule")).json()
    assert len(schedule) == 1 and schedule[0]["workers"] == ["刘洋 (gw.g19)"]
    assert schedule[0]["weekday"] == 1 and dt.date.fromisoformat(schedule[0]["next_visit"]).isoweekday() == 1
    assert schedule[0]["today"] is (today(town).isoweekday() == 1)
    assert (schedule[0]["due"], schedule[0]["due_households"]) == (1, ["G19-H2"])
    assert [v["household"] for v in (await town.call("liuwan", "GET", "/api/gridwork/visits")).json()] == []
    assert [v["household"] for v in (await town.call("shimen", "GET", "/api/gridwork/visits")).json()] == ["G19-H1"]
