"""The escalation chain on a real hub: each step in the trail and on /ws/cases, and the chain goes on after the
hub restarts over a weekend, without taking a step twice; each step's message reaches the SMS gateway once."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
import websockets

from tests.case_api_support import Centre, Steered, open_centre
from tests.integration.test_alert_flow import town_with_webhook
from tests.notify_support import HttpReceiver, Reply
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


async def test_each_step_reaches_the_sms_gateway_once_even_across_a_restart(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("hub.cases.service.TICK_S", 0.05)
    clock = Steered("2026-03-10 10:00")  # a Tuesday
    async with HttpReceiver() as gateway:
        town = town_with_webhook(gateway)
        gateway.default = Reply(status=503)  # the gateway is down when the limit passes
        async with open_centre(tmp_path, clock, town) as centre:
            case_id = await centre.case(category="self-built-housing")  # due Friday 13th at 17:30
            await centre.post(f"/api/cases/{case_id}/route", centre.officer, lead="village:shimen")
            clock.at("2026-03-13 18:00")  # after the close: late by no working time yet
            await wait_for(lambda: len(gateway.received) == 1, what="the first attempt")
        [first] = gateway.received
        gateway.default = Reply()  # back up while the hub restarts: the pending message goes out
        async with open_centre(tmp_path, clock, town) as centre:
            await wait_for(lambda: len(gateway.received) == 2, what="the message resumed after the restart")
            detail = (await centre.get(f"/api/cases/{case_id}", centre.officer)).json()
            await asyncio.sleep(0.3)  # more ticks: the step is not taken, nor its message sent, again
        assert len(gateway.received) == 2 and first.body == gateway.received[1].body
    body = first.json()
    number = detail["number"]
    assert (body["case_id"], body["case_number"], body["step"], body["level"]) == (case_id, number, 1, "village_cadre")
    assert body["recipients"] == [{"name": "张清", "phone": "18207348141"}]
    assert body["text"].startswith(f"【案件督办】{number} 自建房安全\n地点：石门村第一网格\n"
                                   "超时：已超办理时限0.0个工作小时，第1/3级督办")
    assert body["link"] == f"/cases/#{case_id}"  # the hub has no console URL set here
    [delivery] = detail["deliveries"]
    assert (delivery["status"], delivery["attempts"], delivery["notifier"]) == ("sent", 2, "sms")
