"""The escalation chain on a real hub: each step in the trail and on /ws/cases, and the chain goes on after the
hub restarts over a weekend, without taking a step twice."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
import websockets

from tests.case_api_support import Centre, Steered, open_centre
from tests.support import console_url, wait_for

pytestmark = pytest.mark.integration


async def next_escalation(ws: websockets.ClientConnection) -> dict[str, Any]:
    """The next escalation the feed tells of (other changes and the snapshot are passed over)."""
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if message["type"] == "case" and message["entry"]["action"] == "escalate":
            return dict(message)


def feed(centre: Centre) -> websockets.connect:
    return websockets.connect(console_url(centre.hub).replace("http", "ws", 1) + "ws/cases",
                              additional_headers=centre.officer)


async def escalations(centre: Centre, case_id: int) -> list[str]:
    trail = (await centre.get(f"/api/cases/{case_id}", centre.officer)).json()["trail"]
    return [e["detail"]["told"] for e in trail if e["action"] == "escalate"]


async def test_the_chain_goes_on_across_a_restart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("hub.cases.service.TICK_S", 0.05)
    clock = Steered("2026-03-10 10:00")  # a Tuesday
    async with open_centre(tmp_path, clock) as centre:
        case_id = await centre.case(category="self-built-housing")  # 3 working days: Friday 13th at 17:30
        await centre.post(f"/api/cases/{case_id}/route", centre.officer, lead="village:shimen")
        async with feed(centre) as ws:
            clock.at("2026-03-13 17:31")
            first = await next_escalation(ws)
        assert first["case"]["id"] == case_id and first["case"]["escalations"] == 1
        assert first["entry"]["detail"]["told"] == "石门村 张清" and first["entry"]["actor"] == "system"

    clock.at("2026-03-16 17:00")  # the hub was down over the weekend; Monday is not yet a working day on
    async with open_centre(tmp_path, clock) as centre:
        async with feed(centre) as ws:
            await asyncio.sleep(0.3)  # several ticks: nothing is due, and step 1 is not taken again
            assert await escalations(centre, case_id) == ["石门村 张清"]
            clock.at("2026-03-16 17:31")
            second = await next_escalation(ws)
        assert second["entry"]["detail"] == {"step": "2", "of": "3", "notify": "leader:deputy", "told": "副镇长 李军"}
        assert second["case"]["escalations"] == 2 and second["case"]["overdue"]
        clock.at("2026-03-18 17:31")
        await wait_for(lambda: centre.hub.ctx.cases.book.cases[case_id].escalations == 3, what="the third step")
        assert await escalations(centre, case_id) == ["石门村 张清", "副镇长 李军", "镇长 王建设"]
