"""The register through the console, signed in as each role: scope, masking, audit, key groups, sheets in and out."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook

from hub.app import Hub
from hub.register.idcard import check_digit
from hub.register.sheets import ORGANISATIONS, PEOPLE, write_xlsx
from hub.users.model import Role
from tests.support import PASSWORD, console_url, hub_settings, make_hub, signed_in

pytestmark = pytest.mark.integration
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def id_for(born: str, sequence: int) -> str:
    body = f"430499{born}{sequence:03d}"
    return body + check_digit(body)


SHIMEN_ID, LIUWAN_ID, OTHER_GRID_ID = id_for("19800101", 11), id_for("19810202", 21), id_for("19820303", 31)
ROWS = [["王秀英", "男", SHIMEN_ID, "13812341234", "户籍", "G19", "石门村一组1号", "G19-H00001", "户主", "G19-F00001"],
        ["李四", "男", LIUWAN_ID, "13912345678", "户籍", "G24", "柳湾村五组2号", "", "", ""],
        ["张三", "男", OTHER_GRID_ID, "", "流动", "G20", "石门村二组3号", "", "", ""],
        ["错号", "男", SHIMEN_ID[:17] + ("1" if SHIMEN_ID[17] != "1" else "2"), "", "户籍", "G19", "石门村", "", "",
         ""]]


@dataclass
class Town:
    hub: Hub
    http: httpx.AsyncClient
    auth: dict[str, dict[str, str]]
    ids: dict[str, int]  # person id by name


async def login(http: httpx.AsyncClient, username: str) -> dict[str, str]:
    """Signs in through the console's own sign-in, as a browser does."""
    answer = await http.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


@pytest.fixture
async def town(tmp_path: Path, sql_url: str) -> AsyncIterator[Town]:
    """A hub on SQLite, then on PostgreSQL, with four people imported by the duty officer (one rejected)."""
    async with make_hub(hub_settings(tmp_path, None, state_url=sql_url)) as hub, \
            httpx.AsyncClient(base_url=console_url(hub)) as http:
        await hub.ctx.users.create("gw.g19", PASSWORD, "刘洋", Role.grid_worker, grids=("G19",))
        auth = {"officer": await signed_in(hub, Role.officer), "admin": await signed_in(hub, Role.admin),
                "shimen": await signed_in(hub, Role.cadre, "shimen"),
                "liuwan": await signed_in(hub, Role.cadre, "liuwan"), "g19": await login(http, "gw.g19")}
        data = write_xlsx("实有人口", [c.title for c in PEOPLE], ROWS)
        made = await http.post("/api/register/imports/people", params={"filename": "人口.xlsx", "commit": "true"},
                               content=data, headers=auth["officer"])
        assert made.status_code == 200, made.text
        assert (made.headers["x-register-added"], made.headers["x-register-rejected"]) == ("3", "1")
        people = (await http.get("/api/register/people", headers=auth["officer"])).json()
        yield Town(hub, http, auth, {p["name"]: p["id"] for p in people})


async def record(town: Town, who: str, name: str) -> httpx.Response:
    return await town.http.get(f"/api/register/people/{town.ids[name]}", headers=town.auth[who])


async def test_a_full_record_is_shown_in_full_or_masked_by_role_and_refused_out_of_scope(town: Town) -> None:
    for who in ("officer", "shimen", "g19"):
        person = (await record(town, who, "王秀英")).json()["person"]
        assert (person["id_number"], person["phone"], person["masked"]) == (SHIMEN_ID, "13812341234", False), who
    admin = (await record(town, "admin", "王秀英")).json()["person"]
    assert admin["masked"] and admin["id_number"] == SHIMEN_ID[:3] + "*" * 11 + SHIMEN_ID[-4:]
    assert admin["phone"] == "138****1234"
    assert (await record(town, "liuwan", "王秀英")).status_code == 403  # another village's
    assert (await record(town, "g19", "张三")).status_code == 403  # G20: the cadre's village, not the worker's grid
    assert (await record(town, "shimen", "张三")).status_code == 200


async def test_lists_are_masked_for_everyone_and_hold_only_the_callers_scope(town: Town) -> None:
    async def names(who: str, **params: str) -> set[str]:
        found = (await town.http.get("/api/register/people", params=params, headers=town.auth[who])).json()
        assert all(p["masked"] and "*" in p["id_number"] for p in found)
        return {p["name"] for p in found}

    assert await names("officer") == {"王秀英", "李四", "张三"}
    assert await names("shimen") == {"王秀英", "张三"}
    assert await names("g19") == {"王秀英"}
    assert await names("liuwan") == {"李四"}
    assert await names("g19", q=SHIMEN_ID[-4:]) == {"王秀英"}
    assert await names("officer", q="13912345678") == {"李四"}
    assert await names("shimen", q="13912345678") == set()
    refused = await town.http.get("/api/register/people", params={"grid": "G24"}, headers=town.auth["g19"])
    assert refused.status_code == 403 and refused.json()["detail"] == "网格 G24 不在您的管辖范围"


async def test_every_read_of_a_full_record_and_every_export_is_audited(town: Town) -> None:
    for who in ("officer", "admin", "g19", "liuwan"):
        await record(town, who, "王秀英")
    await town.http.get("/api/register/exports/people.csv", headers=town.auth["shimen"])
    log = (await town.http.get("/api/audit", params={"limit": 50}, headers=town.auth["admin"])).json()
    reads = [(e["username"], e["status"], e["detail"]) for e in log
             if e["action"] == "GET /api/register/people/{person_id}"]
    assert sorted(reads) == sorted([("officer", 200, "完整记录（明文）"), ("admin", 200, "完整记录（已脱敏）"),
                                    ("gw.g19", 200, "完整记录（明文）"),
                                    ("cadre.liuwan", 403, "完整记录：网格 G19 不在您的管辖范围")])
    assert any(e["action"] == "GET /api/register/exports/{kind}.{fmt}" and e["username"] == "cadre.shimen"
               and e["detail"] == "导出 2 条" for e in log)
    assert any(e["action"] == "POST /api/register/imports/{kind}" and e["username"] == "officer" for e in log)


async def test_an_edit_is_kept_with_who_when_and_what_secret_fields_only_as_changed(town: Town) -> None:
    edited = await town.http.patch(f"/api/register/people/{town.ids['王秀英']}", headers=town.auth["g19"],
                                   json={"phone": "13700001111", "address": "石门村一组8号"})
    assert edited.status_code == 200, edited.text
    history = (await record(town, "g19", "王秀英")).json()["history"]
    assert history[0]["changes"] == {"登记": [None, "导入"]}
    assert history[-1]["actor"] == "网格员 刘洋 (gw.g19)"
    assert history[-1]["changes"] == {"phone": [None, "已更改"], "address": ["石门村一组1号", "石门村一组8号"]}
    moved = await town.http.patch(f"/api/register/people/{town.ids['王秀英']}", headers=town.auth["g19"],
                                  json={"grid": "G24"})
    assert moved.status_code == 403  # a grid worker cannot move someone out of their grid


async def test_key_groups_are_for_the_roles_the_town_file_names(town: Town) -> None:
    body = {"person": town.ids["王秀英"], "group": "community_correction", "note": "每月报到"}
    assert (await town.http.post("/api/register/key-groups", json=body, headers=town.auth["shimen"])).status_code \
        == 403
    made = await town.http.post("/api/register/key-groups", json=body, headers=town.auth["officer"])
    assert made.status_code == 201, made.text
    assert (await record(town, "officer", "王秀英")).json()["key_groups"][0]["group"] == "community_correction"
    assert (await record(town, "g19", "王秀英")).json()["key_groups"] is None
    assert (await town.http.get("/api/register/key-groups", headers=town.auth["admin"])).status_code == 403
    may = {who: (await town.http.get("/api/register/access", headers=town.auth[who])).json()
           for who in ("officer", "admin", "g19")}
    assert may == {"officer": {"full": True, "key_groups": True}, "admin": {"full": False, "key_groups": False},
                   "g19": {"full": True, "key_groups": False}}


async def test_a_key_group_entry_is_edited_and_ended_with_its_history(town: Town) -> None:
    body = {"person": town.ids["王秀英"], "group": "community_correction", "since": "2025-03-01", "note": "每月报到"}
    entry = (await town.http.post("/api/register/key-groups", json=body, headers=town.auth["officer"])).json()
    path = f"/api/register/key-groups/{entry['id']}"
    assert (await town.http.patch(path, json={"note": "x"}, headers=town.auth["shimen"])).status_code == 403
    assert (await town.http.patch(path, json={"ended": "2024-01-01"}, headers=town.auth["officer"])).status_code \
        == 422  # before it began
    assert (await town.http.patch("/api/register/key-groups/999", json={"note": "x"},
                                  headers=town.auth["officer"])).status_code == 404
    edited = await town.http.patch(path, json={"note": "每周报到"}, headers=town.auth["officer"])
    assert edited.status_code == 200, edited.text
    ended = await town.http.patch(path, json={"ended": "2026-11-30"}, headers=town.auth["officer"])
    shown = ended.json()
    assert (shown["ended"], shown["note"], shown["since"]) == ("2026-11-30", "每周报到", "2025-03-01")
    [kept] = (await record(town, "officer", "王秀英")).json()["key_groups"]
    assert (kept["id"], kept["ended"]) == (entry["id"], "2026-11-30")
    listed = (await town.http.get("/api/register/key-groups", headers=town.auth["officer"])).json()
    assert [(e["id"], e["name"], e["ended"]) for e in listed] == [(entry["id"], "王秀英", "2026-11-30")]
    history = town.hub.ctx.register.store.history("key_group", str(entry["id"]))
    assert [h.changes for h in history] == [
        {"person": (None, str(town.ids["王秀英"])), "group": (None, "community_correction"),
         "since": (None, "2025-03-01"), "note": (None, "每月报到")},
        {"note": ("每月报到", "每周报到")}, {"ended": (None, "2026-11-30")}]
    assert history[-1].actor.endswith("(officer)")


async def test_sheets_the_template_a_dry_run_and_exports_in_scope(town: Town) -> None:
    template = await town.http.get("/api/register/templates/people.xlsx", headers=town.auth["g19"])
    header = next(load_workbook(io.BytesIO(template.content)).worksheets[0].iter_rows(values_only=True))
    assert header[:3] == ("姓名*", "性别*", "身份证号*") and template.headers["content-type"] == XLSX
    data = write_xlsx("实有人口", [c.title for c in PEOPLE], ROWS)
    dry = await town.http.post("/api/register/imports/people", params={"filename": "人口.xlsx"}, content=data,
                               headers=town.auth["g19"])
    report = dry.json()
    assert (report["added"], report["unchanged"], report["rejected"]) == (0, 1, 3)
    assert {(p["row"], p["column"]) for p in report["problems"]} == {(3, "网格"), (4, "网格"), (5, "身份证号")}
    exported = await town.http.get("/api/register/exports/people.csv", headers=town.auth["g19"])
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["姓名", "性别", "身份证号"] and [r[2] for r in rows[1:]] == [SHIMEN_ID]
    masked = await town.http.get("/api/register/exports/people.xlsx", headers=town.auth["admin"])
    cells = list(load_workbook(io.BytesIO(masked.content)).worksheets[0].iter_rows(values_only=True))
    assert len(cells) == 4 and all("*" in str(r[2]) for r in cells[1:])


async def test_houses_with_their_occupants_and_history(town: Town) -> None:
    house = {"number": "G19-F00001", "grid": "G19", "address": "石门村一组1号", "owner": "王秀英", "floors": 3,
             "use": "commercial", "commercial_selfbuilt": True, "year_built": 2008}
    saved = await town.http.put("/api/register/houses/G19-F00001", json=house, headers=town.auth["g19"])
    assert saved.status_code == 200, saved.text
    detail = (await town.http.get("/api/register/houses/G19-F00001", headers=town.auth["shimen"])).json()
    assert [p["name"] for p in detail["occupants"]] == ["王秀英"] and detail["occupants"][0]["masked"]
    home = (await town.http.get("/api/register/households/G19-H00001", headers=town.auth["g19"])).json()
    assert home["household"]["grid"] == "G19" and [(p["name"], p["relation"]) for p in home["members"]] \
        == [("王秀英", "head")]
    assert (await town.http.get("/api/register/households/G19-H00001", headers=town.auth["liuwan"])).status_code \
        == 403
    listed = await town.http.get("/api/register/houses", params={"commercial_selfbuilt": "true"},
                                 headers=town.auth["liuwan"])
    assert listed.json() == []
    assert (await town.http.get("/api/register/houses/G19-F00001", headers=town.auth["liuwan"])).status_code == 403


async def test_organisations_in_scope_with_their_contacts_phone_masked_by_role(town: Town) -> None:
    org = {"code": "91430499MA4L000001", "name": "石门竹木加工厂", "kind": "enterprise", "grid": "G19",
           "address": "石门村四组", "contact": "周老板", "phone": "13600001111"}
    saved = await town.http.put(f"/api/register/organisations/{org['code']}", json=org, headers=town.auth["shimen"])
    assert saved.status_code == 200, saved.text
    assert saved.json()["kind"] == "非公有制经济组织"
    listed = (await town.http.get("/api/register/organisations", headers=town.auth["officer"])).json()
    assert [o["phone"] for o in listed] == ["136****1111"]  # lists are masked for all
    one = f"/api/register/organisations/{org['code']}"
    officer = (await town.http.get(one, headers=town.auth["officer"])).json()
    admin = (await town.http.get(one, headers=town.auth["admin"])).json()
    assert (officer["phone"], admin["phone"]) == ("13600001111", "136****1111")
    assert (await town.http.get("/api/register/organisations", headers=town.auth["liuwan"])).json() == []
    assert (await town.http.get(one, headers=town.auth["liuwan"])).status_code == 403
    log = (await town.http.get("/api/audit", params={"limit": 20}, headers=town.auth["admin"])).json()
    assert {e["username"] for e in log if e["action"] == "GET /api/register/organisations/{code}"} \
        == {"officer", "admin"}
    elsewhere = await town.http.put(f"/api/register/organisations/{org['code']}", json=org | {"grid": "G24"},
                                    headers=town.auth["liuwan"])
    assert elsewhere.status_code == 403  # kept in shimen: liuwan's cadre cannot take it over


async def test_without_a_key_the_register_is_off_and_says_why(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    async with make_hub(hub_settings(tmp_path, None, register_key=None)) as hub, \
            httpx.AsyncClient(base_url=console_url(hub)) as http:
        answer = await http.get("/api/register/people", headers=await signed_in(hub, Role.officer))
        assert answer.status_code == 503 and "GRIDHUB_REGISTER_KEY" in answer.json()["detail"]
    assert "the register is off: set GRIDHUB_REGISTER_KEY" in caplog.text


async def test_the_admin_makes_a_grid_worker_with_their_grids(town: Town) -> None:
    admin = town.auth["admin"]
    body = {"username": "gw.g20", "name": "陈静", "role": "grid_worker", "password": PASSWORD}
    assert (await town.http.post("/api/users", json=body, headers=admin)).status_code == 422  # no grids
    unknown = await town.http.post("/api/users", json=body | {"grids": ["G99"]}, headers=admin)
    assert unknown.status_code == 422 and "G99" in unknown.text
    made = await town.http.post("/api/users", json=body | {"grids": ["G20"]}, headers=admin)
    assert made.status_code == 201 and made.json()["grids"] == ["G20"]
    worker = await login(town.http, "gw.g20")
    me = (await town.http.get("/api/auth/me", headers=worker)).json()
    assert (me["role"], me["role_label"]) == ("grid_worker", "网格员")
    found = (await town.http.get("/api/register/people", headers=worker)).json()
    assert [p["name"] for p in found] == ["张三"]
    assert (await town.http.get("/api/alerts", headers=worker)).status_code == 403
    moved = await town.http.patch("/api/users/gw.g20", json={"grids": ["G19"]}, headers=admin)
    assert moved.status_code == 200 and moved.json()["grids"] == ["G19"]
    assert (await town.http.get("/api/register/people", headers=worker)).status_code == 401  # signed out


ORG_CODE = "91430499MA4L000001"
ORG_ROWS = [  # row 2 on
    [ORG_CODE, "石门竹木加工厂", "非公有制经济组织", "G19", "石门村四组", "周老板", "13600001111"],
    ["G19-ORG-2", "石门村老年协会", "社会组织", "G20", "石门村二组", "", ""],
    ["G19-ORG-3", "柳湾小学", "学校", "G19", "柳湾村", "", ""],
    ["G99-ORG-1", "不明单位", "单位", "G99", "某地", "", ""],
    ["G19-ORG-5", "", "单位", "G19", "石门村", "", ""],
    ["G19-ORG-6", "石门卫生室", "单位", "G19", "石门村", "", ""],
    ["G19-ORG-6", "石门卫生室", "单位", "G19", "石门村", "", ""],
    ["G19-ORG-8", "石门砖厂", "非公有制经济组织", "G19", "石门村五组", "", ""],
    ["G19-ORG-9", "石门幼儿园", "单位", "G19", "石门村", "", "12345"],
]
ORG_PROBLEMS = {(4, "类型"): "应为：单位/非公有制经济组织/社会组织", (5, "网格"): "未知网格 G99",
                (6, "名称"): "必填项缺失", (10, "联系电话"): "格式不正确", (7, "组织编码"): "文件中重复（第8行）",
                (8, "组织编码"): "文件中重复（第7行）", (9, "组织编码"): "已在登记册中，且内容与本行不同"}


async def test_organisations_by_sheet_template_dry_run_commit_again_and_export_in_scope(town: Town) -> None:
    kept = {"code": "G19-ORG-8", "name": "石门砖厂", "kind": "enterprise", "grid": "G19", "address": "石门村六组"}
    assert (await town.http.put("/api/register/organisations/G19-ORG-8", json=kept,
                                headers=town.auth["officer"])).status_code == 200
    template = await town.http.get("/api/register/templates/organisations.xlsx", headers=town.auth["shimen"])
    book = load_workbook(io.BytesIO(template.content))
    header = [c.title for c in ORGANISATIONS]
    assert next(book.worksheets[0].iter_rows(values_only=True)) == tuple(header) \
        and header[:3] == ["组织编码*", "名称*", "类型*"] and book.worksheets[1].title == "填写说明"
    data = write_xlsx("单位及两新组织", header, ORG_ROWS)
    path, name = "/api/register/imports/organisations", {"filename": "组织.xlsx"}
    dry = (await town.http.post(path, params=name, content=data, headers=town.auth["shimen"])).json()
    assert {(p["row"], p["column"]): p["reason"] for p in dry["problems"]} == ORG_PROBLEMS
    assert (dry["rows"], dry["added"], dry["unchanged"], dry["rejected"]) == (9, 2, 0, 7)
    assert (await town.http.get("/api/register/organisations", headers=town.auth["officer"])).json()[0]["code"] \
        == "G19-ORG-8"  # a dry run writes nothing
    made = await town.http.post(path, params=name | {"commit": "true"}, content=data, headers=town.auth["shimen"])
    assert (made.headers["x-register-added"], made.headers["x-register-rejected"]) == ("2", "7")
    rejected = list(load_workbook(io.BytesIO(made.content)).worksheets[0].iter_rows(values_only=True))
    assert rejected[0][-1] == "问题" and [r[0] for r in rejected[1:]] == [
        "G19-ORG-3", "G99-ORG-1", "G19-ORG-5", "G19-ORG-6", "G19-ORG-6", "G19-ORG-8", "G19-ORG-9"]
    assert "类型：应为" in str(rejected[1][-1])
    again = await town.http.post(path, params=name | {"commit": "true"}, content=data, headers=town.auth["shimen"])
    assert (again.headers["x-register-added"], again.headers["x-register-unchanged"]) == ("0", "2")
    brick = (await town.http.get("/api/register/organisations/G19-ORG-8", headers=town.auth["officer"])).json()
    assert brick["address"] == "石门村六组"  # kept with other fields: never overwritten
    exported = await town.http.get("/api/register/exports/organisations.csv", headers=town.auth["officer"])
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0] == [c.header for c in ORGANISATIONS]
    assert rows[1:] == [["91430499MA4L000001", "石门竹木加工厂", "非公有制经济组织", "G19", "石门村四组", "周老板",
                         "13600001111"], ["G19-ORG-2", "石门村老年协会", "社会组织", "G20", "石门村二组", "", ""],
                        ["G19-ORG-8", "石门砖厂", "非公有制经济组织", "G19", "石门村六组", "", ""]]
    masked = await town.http.get("/api/register/exports/organisations.xlsx", headers=town.auth["admin"])
    cells = list(load_workbook(io.BytesIO(masked.content)).worksheets[0].iter_rows(values_only=True))
    assert cells[1][-1] == "136****1111"
    outside = await town.http.get("/api/register/exports/organisations.csv", headers=town.auth["liuwan"])
    assert outside.content.decode("utf-8-sig").strip().splitlines() == [",".join(rows[0])]
    back = await town.http.post(path, params={"filename": "组织.csv"}, content=exported.content,
                                headers=town.auth["officer"])
    assert (back.json()["unchanged"], back.json()["rejected"]) == (3, 0)  # an export imports back unchanged
