"""What the case workbench's browser tests share: its viewport, a hub clock the test moves, a desk case, a step."""

from __future__ import annotations

import time
from typing import Any

import httpx
from playwright.async_api import Locator

from hub.app import Hub
from tests.case_support import ID_NUMBER, PHONE, town_ts
from tests.support import console_url, signed_in

WORKBENCH: dict[str, Any] = {"viewport": {"width": 1600, "height": 1000}, "locale": "zh-CN",
                             "timezone_id": "Asia/Shanghai"}
VISITOR = {"name": "王秀英", "phone": PHONE, "id_number": ID_NUMBER, "address": "石门村三组8号"}


class Shifted:
    """The hub's clock: from 2026-03-09 09:00 (a working Monday) at real speed, moved on when the test says."""

    def __init__(self) -> None:
        self.start, self.real, self.jump = town_ts("2026-03-09 09:00"), time.time(), 0.0

    def __call__(self) -> float:
        return self.start + (time.time() - self.real) + self.jump


async def desk_files(hub: Hub, grid: str, **extra: Any) -> int:
    """A visitor's case as the desk files it: accepted at once."""
    async with httpx.AsyncClient(base_url=console_url(hub), headers=await signed_in(hub)) as http:
        made = await http.post("/api/cases", json={
            "requester": VISITOR, "category": "disputes", "kind": "dispute", "grid": grid,
            "matter": "邻居在公共通道堆放杂物，影响老人通行", "attributes": {"dispute_kind": "neighbour"}, **extra})
    assert made.status_code == 201, made.text
    return int(made.json()["case"]["id"])


async def take_step(pane: Locator, step: str, **fields: str | list[str]) -> Locator:
    """Open *step*'s form in the case pane, fill it and send it; the form, for what the hub answered."""
    await pane.locator(f'button[data-step="{step}"]').click()
    form = pane.locator(f'form[data-step="{step}"]')
    for name, value in fields.items():
        field = form.locator(f'[name="{name}"]')
        if await field.evaluate("e => e.tagName") == "SELECT":
            await field.select_option(value)
        else:
            await field.fill(str(value))
    await form.locator("button[type=submit]").click()
    return form
