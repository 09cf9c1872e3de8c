"""The live case feed (/ws/cases) over a real socket: a snapshot of the open cases in scope, then each change;
a village cadre hears only of their village's cases (and of those routed to it), masked as the lists are."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from hub.app import Hub
from hub.users.model import Role
from tests.case_support import ID_NUMBER, PHONE, town_ts
from tests.support import console_url, hub_settings, make_hub, signed_in

pytestmark = pytest.mark.integration
VISITOR = {"name": "王秀英", "phone": PHONE, "id_number": ID_NUMBER, "address": "石门村三组8号"}


@dataclass
class Centre:
    hub: Hub
    http: httpx.AsyncClient
    officer: dict[str, str]
    shimen: dict[str, str]  # the cadre of 石门村

    async def case(self, grid: str, matter: str = "邻居堆放杂物，联系电话13812341234") -> int:
        made = await self.http.post("/api/cases", headers=self.officer, json={
            "requester": VISITOR, "category": "disputes", "grid": grid, "matter": matter})
        assert made.status_code == 201, made.text
        return int(made.json()["case"]["id"])

    async def step(self, case_id: int, step: str, **body: Any) -> None:
        answer = await self.http.post(f"/api/cases/{case_id}/{step}", headers=self.officer, json=body)
        assert answer.status_code == 200, answer.text

    def feed(self, who: dict[str, str]) -> websockets.connect:
        return websockets.connect(console_url(self.hub).replace("http", "ws", 1) + "ws/cases", additional_headers=who)


@pytest.fixture
async def centre(tmp_path: Path) -> AsyncIterator[Centre]:
    start, real = town_ts("2026-03-09 09:00"), time.time()  # a working Monday, at real speed
    async with make_hub(hub_settings(tmp_path, None), clock=lambda: start + (time.time() - real)) as hub, \
            httpx.AsyncClient(base_url=console_url(hub)) as http:
        yield Centre(hub, http, await signed_in(hub, Role.officer), await signed_in(hub, Role.cadre, "shimen"))


async def receive(ws: websockets.ClientConnection) -> tuple[dict[str, Any], str]:
    text = await asyncio.wait_for(ws.recv(), 5)
    assert isinstance(text, str)
    return json.loads(text), text


async def test_a_cadre_hears_only_of_their_villages_cases_masked(centre: Centre) -> None:
    own, elsewhere = await centre.case("G19"), await centre.case("G24")  # 石门村, 柳湾村
    async with centre.feed(centre.shimen) as cadre, centre.feed(centre.officer) as officer:
        snapshot, text = await receive(cadre)
        assert snapshot["type"] == "snapshot" and [c["id"] for c in snapshot["cases"]] == [own]
        assert snapshot["now"].startswith("2026-03-09T01:")  # the hub's clock, not the machine's
        shown = snapshot["cases"][0]
        assert shown["masked"] and shown["requester"]["phone"] == "138****1234"
        assert PHONE not in text and ID_NUMBER not in text
        assert [c["id"] for c in (await receive(officer))[0]["cases"]] == [own, elsewhere]

        await centre.step(elsewhere, "notes", note="柳湾村的事")  # the cadre is not told ...
        await centre.step(own, "notes", note="回电13812341234")  # ... so this comes next
        change, text = await receive(cadre)
        assert change["type"] == "case" and change["case"]["id"] == own and change["entry"]["action"] == "note"
        assert change["entry"]["note"] == "回电138****1234" and PHONE not in text
        assert [(await receive(officer))[0]["case"]["id"] for _ in range(2)] == [elsewhere, own]

        await centre.step(elsewhere, "route", lead="village:shimen")  # routed to their village: now theirs
        change, _ = await receive(cadre)
        assert change["case"]["id"] == elsewhere and change["case"]["lead"]["village"] == "shimen"
        await centre.step(elsewhere, "reassign", lead="department:judicial", reason="由司法所牵头")
        gone, _ = await receive(cadre)
        assert gone == {"type": "case_gone", "seq": gone["seq"], "id": elsewhere}
        await centre.step(elsewhere, "notes", note="司法所已联系")  # gone: nothing more of it
        await centre.step(own, "route", lead="village:shimen")
        assert (await receive(cadre))[0]["entry"]["action"] == "route"


async def test_a_console_that_comes_back_is_whole_again(centre: Centre) -> None:
    first = await centre.case("G19")
    async with centre.feed(centre.officer) as ws:
        assert [c["id"] for c in (await receive(ws))[0]["cases"]] == [first]
    await centre.step(first, "reject", reason="不属于受理范围")  # missed while away
    second = await centre.case("G20")
    async with centre.feed(centre.officer) as ws:
        snapshot, _ = await receive(ws)
        assert [c["id"] for c in snapshot["cases"]] == [second]  # the rejected one is no longer open
        assert snapshot["seq"] == centre.hub.ctx.cases.book.last_seq
        await centre.step(second, "route", lead="grid:G20")
        change, _ = await receive(ws)
        assert change["seq"] == snapshot["seq"] + 1 and change["case"]["state"] == "routed"
