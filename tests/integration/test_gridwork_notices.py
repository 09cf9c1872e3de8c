"""Grid notices through the console to a robot service over real HTTP (tests/robot.py stands in for WeChat Work):
templates, the choice of grids, scope by role, retries with backoff, the robot's rate limit, and no notice sent
twice, by a resend or across a restart; on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.app import Hub
from hub.gridwork.notice_config import NoticesConfig, RobotPace
from hub.townfile import LoadedTown
from hub.users.model import Role
from tests.robot import FakeRobots
from tests.support import console_url, hub_settings, make_hub, sample_town, signed_in, wait_for

pytestmark = pytest.mark.integration
KEYS = {"G19": "key-g19-0123456789abcdef", "G20": "key-g20-0123456789abcdef", "G21": "key-g21-0123456789abcdef"}
WECOM_PACE = RobotPace()  # 20 a minute
WEATHER = {"kind": "暴雨", "level": "橙色", "period": "今天20时至明天8时", "advice": "危险区域人员立即转移"}


def town_with(robots: FakeRobots, pace: RobotPace, attempts: int) -> LoadedTown:
    """The sample town, its notices sent to *robots*; G21's key from the town file, the rest from the environment
    (and G19's file key, a wrong one, overridden by it)."""
    loaded = sample_town()
    notices = NoticesConfig.model_validate({
        "robot_url": robots.url, "pace": pace.model_dump(), "retry_first_s": 0.2, "attempts": attempts,
        "robots": {"G21": KEYS["G21"], "G19": "wrong-key-000"}})
    town = loaded.town.model_copy(update={"gridwork": loaded.town.gridwork.model_copy(update={"notices": notices})})
    return dataclasses.replace(loaded, town=town)


@dataclasses.dataclass
class Centre:
    hub: Hub
    http: httpx.AsyncClient
    auth: dict[str, dict[str, str]]

    async def call(self, who: str, method: str, path: str, **kw: Any) -> httpx.Response:
        return await self.http.request(method, path, headers=self.auth[who], **kw)

    async def send(self, who: str = "officer", **body: Any) -> dict[str, Any]:
        answer = await self.call(who, "POST", "/api/gridwork/notices", json={"template": "weather",
                                                                             "fields": WEATHER} | body)
        assert answer.status_code == 201, answer.text
        result: dict[str, Any] = answer.json()
        return result

    async def statuses(self, notice: int) -> dict[str, str]:
        record = (await self.call("officer", "GET", f"/api/gridwork/notices/{notice}")).json()
        return {d["grid"]: d["status"] for d in record["deliveries"]}


@asynccontextmanager
async def centre(tmp_path: Path, sql_url: str, robots: FakeRobots, pace: RobotPace = WECOM_PACE,
                 attempts: int = 4) -> AsyncIterator[Centre]:
    settings = hub_settings(tmp_path, None, state_url=sql_url,
                            robot_keys={g: k for g, k in KEYS.items() if g != "G21"})
    async with make_hub(settings, town_with(robots, pace, attempts)) as hub, \
            httpx.AsyncClient(base_url=console_url(hub)) as http:
        auth = {"officer": await signed_in(hub, Role.officer), "shimen": await signed_in(hub, Role.cadre, "shimen"),
                "g19": await signed_in(hub, Role.grid_worker)}
        yield Centre(hub, http, auth)


@pytest.fixture
def robots() -> Iterator[FakeRobots]:
    with FakeRobots(set(KEYS.values())) as fake:
        yield fake


async def test_templates_grids_and_a_preview(tmp_path: Path, sql_url: str, robots: FakeRobots) -> None:
    async with centre(tmp_path, sql_url, robots) as c:
        templates = (await c.call("officer", "GET", "/api/gridwork/notices/templates")).json()
        assert templates["weather"]["fields"]["advice"] == "防范要求" and set(templates) >= {"policy", "inspection"}
        grids = {g["grid"]: g["robot"] for g in (await c.call("officer", "GET", "/api/gridwork/notices/grids")).json()}
        assert (grids["G19"], grids["G21"], grids["G24"]) == (True, True, False)
        preview = await c.call("officer", "POST", "/api/gridwork/notices/preview",
                               json={"template": "weather", "fields": WEATHER, "villages": ["shimen"]})
        assert preview.status_code == 200, preview.text
        assert preview.json()["text"].startswith("## 【橙色预警】暴雨\n> 影响时段：今天20时至明天8时")
        assert [g["grid"] for g in preview.json()["grids"]] == ["G19", "G20", "G21"]
        assert robots.taken == []  # a preview sends nothing
        for body, reason in (({"fields": WEATHER | {"advice": ""}}, None),
                             ({"fields": {k: v for k, v in WEATHER.items() if k != "advice"}}, "请填写：防范要求"),
                             ({"template": "nope"}, "没有通知模板 nope"), ({"grids": ["G99"]}, "未知网格 G99"),
                             ({"grids": []}, "请选择要通知的网格"),
                             ({"fields": WEATHER | {"advice": "转移" * 500, "period": "时" * 400}},
                              "超过企业微信群机器人的上限 4096 字节")):
            answer = await c.call("officer", "POST", "/api/gridwork/notices",
                                  json={"template": "weather", "fields": WEATHER, "grids": ["G19"]} | body)
            assert answer.status_code == 422, (body, answer.text)
            assert reason is None or reason in answer.text, answer.text
        assert robots.taken == []


async def test_each_grid_gets_one_message_and_the_log_says_where_it_went(
        tmp_path: Path, sql_url: str, robots: FakeRobots, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with centre(tmp_path, sql_url, robots) as c:
        sent = await c.send(grids=["G19", "G24"], villages=["shimen"])
        notice = sent["notice"]["id"]
        assert sorted(d["grid"] for d in sent["deliveries"]) == ["G19", "G20", "G21", "G24"]
        await wait_for(lambda: len(robots.taken) == 3, what="a message in each group with a robot")
        await wait_for(lambda: _all_settled(c, notice), what="every delivery settled")
        record = (await c.call("officer", "GET", f"/api/gridwork/notices/{notice}")).json()
        by_grid = {d["grid"]: d for d in record["deliveries"]}
        assert {g: d["status"] for g, d in by_grid.items()} == {"G19": "sent", "G20": "sent", "G21": "sent",
                                                               "G24": "failed"}
        assert by_grid["G24"]["error"] == "该网格未配置企业微信群机器人"
        assert by_grid["G19"]["target"].endswith("?key=key-…")
        assert {t.key for t in robots.taken} == set(KEYS.values())  # G19's from the environment, G21's from the file
        assert all(t.msgtype == "markdown" and t.content.startswith("## 【橙色预警】暴雨") for t in robots.taken)
        assert {t.delivery_id for t in robots.taken} == {by_grid[g]["id"] for g in ("G19", "G20", "G21")}
        assert record["notice"]["sender"].endswith("(officer)")
        listed = (await c.call("officer", "GET", "/api/gridwork/notices")).json()
        assert [r["notice"]["id"] for r in listed] == [notice]
        for text in [answer.text for answer in [await c.call("officer", "GET", "/api/gridwork/notices")]] + \
                [r.getMessage() for r in caplog.records]:
            assert not any(key in text for key in KEYS.values())  # keys are never shown nor logged


async def test_a_cadre_notifies_their_village_and_a_grid_worker_nobody(
        tmp_path: Path, sql_url: str, robots: FakeRobots) -> None:
    async with centre(tmp_path, sql_url, robots) as c:
        grids = [g["grid"] for g in (await c.call("shimen", "GET", "/api/gridwork/notices/grids")).json()]
        assert grids == ["G19", "G20", "G21"]
        refused = await c.call("shimen", "POST", "/api/gridwork/notices",
                               json={"template": "weather", "fields": WEATHER, "grids": ["G19", "G24"]})
        assert refused.status_code == 403 and "网格 G24 不在您的管辖范围" in refused.text
        other = await c.call("shimen", "POST", "/api/gridwork/notices/preview",
                             json={"template": "weather", "fields": WEATHER, "villages": ["liuwan"]})
        assert other.status_code == 403
        mine = await c.send("shimen", all=True)
        assert sorted(d["grid"] for d in mine["deliveries"]) == ["G19", "G20", "G21"]
        town_wide = await c.send("officer", grids=["G21", "G24"])
        for path in ("/api/gridwork/notices/templates", "/api/gridwork/notices/grids", "/api/gridwork/notices"):
            assert (await c.call("g19", "GET", path)).status_code == 403
        assert (await c.call("g19", "POST", "/api/gridwork/notices",
                             json={"template": "weather", "fields": WEATHER, "grids": ["G19"]})).status_code == 403
        logged = (await c.call("shimen", "GET", "/api/gridwork/notices")).json()
        assert [r["notice"]["id"] for r in logged] == [town_wide["notice"]["id"], mine["notice"]["id"]]
        assert [d["grid"] for d in logged[0]["deliveries"]] == ["G21"]  # not liuwan's G24
        await wait_for(lambda: len(robots.taken) == 4, what="the messages")


async def test_a_robot_that_fails_is_tried_again_and_its_pace_is_kept(
        tmp_path: Path, sql_url: str) -> None:
    pace = RobotPace(messages=2, window_s=1.5)
    with FakeRobots(set(KEYS.values()), messages=2, window_s=1.5) as robots:
        robots.fail[KEYS["G19"]] = [45009, -1]  # rate limited, then busy
        robots.fail[KEYS["G20"]] = [-500]  # the service's HTTP 500
        async with centre(tmp_path, sql_url, robots, pace) as c:
            first = (await c.send(grids=["G19", "G20"]))["notice"]["id"]
            await wait_for(lambda: _all_settled(c, first), what="both delivered after their retries")
            record = (await c.call("officer", "GET", f"/api/gridwork/notices/{first}")).json()
            assert {d["grid"]: (d["status"], d["attempts"]) for d in record["deliveries"]} == {
                "G19": ("sent", 3), "G20": ("sent", 2)}
            robots.answers.clear()
            more = [(await c.send(grids=["G21"]))["notice"]["id"] for _ in range(5)]
            for notice in more:
                await wait_for(functools.partial(_all_settled, c, notice), what="five notices to one robot")
            assert robots.count(KEYS["G21"]) == 5
            assert 45009 not in [code for _, code in robots.answers]  # the hub kept to the robot's 2 in 1.5 s
            robots.fail[KEYS["G19"]] = [93000]  # final: the key was revoked
            final = (await c.send(grids=["G19"]))["notice"]["id"]
            await wait_for(lambda: _all_settled(c, final), what="given up")
            delivery = (await c.call("officer", "GET", f"/api/gridwork/notices/{final}")).json()["deliveries"][0]
            assert (delivery["status"], delivery["attempts"]) == ("failed", 1)
            assert "errcode 93000" in delivery["error"]


async def test_a_resend_and_a_restart_send_nothing_twice(tmp_path: Path, sql_url: str, robots: FakeRobots) -> None:
    robots.fail[KEYS["G19"]] = [-1] * 100  # busy while the first hub runs: still pending when it stops
    async with centre(tmp_path, sql_url, robots, attempts=20) as c:
        sent = await c.send(grids=["G19", "G20"], key="weather-notice-0001")
        again = await c.send(grids=["G19", "G20"], key="weather-notice-0001")
        assert again["notice"]["id"] == sent["notice"]["id"]
        await wait_for(lambda: robots.count(KEYS["G20"]) == 1 and (KEYS["G19"], -1) in robots.answers,
                       what="G20 delivered, G19 refused once")
    assert robots.count(KEYS["G19"]) == 0
    robots.fail[KEYS["G19"]].clear()
    async with centre(tmp_path, sql_url, robots, attempts=20) as c:
        await wait_for(lambda: robots.count(KEYS["G19"]) == 1, what="G19's delivery resumed after the restart")
        assert await c.statuses(sent["notice"]["id"]) == {"G19": "sent", "G20": "sent"}
    async with centre(tmp_path, sql_url, robots) as c:  # once more: nothing left to send
        assert len((await c.call("officer", "GET", "/api/gridwork/notices")).json()) == 1
    assert (robots.count(KEYS["G19"]), robots.count(KEYS["G20"])) == (1, 1)
    assert len({t.delivery_id for t in robots.taken}) == 2


async def _all_settled(c: Centre, notice: int) -> bool:
    return "pending" not in (await c.statuses(notice)).values()
