"""The case API's tests share a centre: a hub on a clock from a working Monday, with the officer, an admin and
two villages' cadres signed in over real HTTP."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from hub.app import Hub
from hub.townfile import LoadedTown
from hub.users.model import Role
from tests.case_support import ID_NUMBER, PHONE, town_ts
from tests.support import console_url, hub_settings, make_hub, signed_in

MONDAY = "2026-03-09 09:00"  # a working Monday; the hub's clock starts here and runs at real speed
VISITOR = {"name": "王秀英", "phone": PHONE, "id_number": ID_NUMBER, "address": "石门村三组8号"}


def clock_from(text: str) -> Callable[[], float]:
    start, real = town_ts(text), time.time()
    return lambda: start + (time.time() - real)


class Steered:
    """A hub clock the test moves."""

    def __init__(self, text: str) -> None:
        self.now = town_ts(text)

    def __call__(self) -> float:
        return self.now

    def at(self, text: str) -> None:
        self.now = town_ts(text)


@dataclass
class Centre:
    hub: Hub
    http: httpx.AsyncClient
    officer: dict[str, str]
    admin: dict[str, str]
    shimen: dict[str, str]  # the cadre of 石门村
    liuwan: dict[str, str]  # the cadre of 柳湾村

    async def post(self, path: str, who: dict[str, str], **body: Any) -> httpx.Response:
        return await self.http.post(path, json=body, headers=who)

    async def get(self, path: str, who: dict[str, str], **params: Any) -> httpx.Response:
        return await self.http.get(path, params=params, headers=who)

    async def case(self, **extra: Any) -> int:
        """A desk case (accepted at once unless told); its id."""
        made = await self.post("/api/cases", self.officer, **desk_case(**extra))
        assert made.status_code == 201, made.text
        return int(made.json()["case"]["id"])


@asynccontextmanager
async def open_centre(tmp_path: Path, clock: Callable[[], float] | None = None,
                      town: LoadedTown | None = None) -> AsyncIterator[Centre]:
    settings = hub_settings(tmp_path, None)
    async with make_hub(settings, town, clock=clock or clock_from(MONDAY)) as hub, \
            httpx.AsyncClient(base_url=console_url(hub)) as http:
        yield Centre(hub, http, await signed_in(hub, Role.officer), await signed_in(hub, Role.admin),
                     await signed_in(hub, Role.cadre, "shimen"), await signed_in(hub, Role.cadre, "liuwan"))


def desk_case(**extra: Any) -> dict[str, Any]:
    return {"requester": VISITOR, "category": "disputes", "kind": "dispute", "grid": "G19",
            "matter": "邻居在公共通道堆放杂物，多次协商未果，联系电话13812341234", "address": "石门村三组8号",
            "attributes": {"dispute_kind": "neighbour"}, **extra}
