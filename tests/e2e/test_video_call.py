"""A video dispatch call in real headless Chromium over HTTPS: the centre and two village cadres see each other,
the river camera is shared to all, a cadre of another village is refused, a dropped cadre comes back."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from adapters.janus.config import JanusSection
from hub.app import Hub
from hub.townfile import LoadedTown
from hub.users.model import Role
from streams.sim import Mover, Scene
from tests.e2e.call_support import Cable, call_page, join, receiving
from tests.rtsp.server import RtspServer, encode_all
from tests.support import PASSWORD, account, console_url, hub_settings, make_hub, sample_town, signed_in, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.timeout(240)]
RIVER = Scene(640, 360, seed=7, movers=[Mover(y=0.8, speed=0.1, size=(0.04, 0.2), colour=(30, 30, 220), phase=0.1)])
VILLAGES = ("shimen", "liuwan")  # invited
OUTSIDER = "bailu"


@pytest.fixture(scope="module")
def rtsp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RtspServer]:
    folder = tmp_path_factory.mktemp("river")
    encode_all(folder, {"CAM07": RIVER.render}, seconds=120)
    server = RtspServer(folder)
    server.start()
    yield server
    server.kill()


def call_town(rtsp: RtspServer) -> LoadedTown:
    """The sample town with its riverside camera at the test server."""
    loaded = sample_town()
    devices = [d.model_copy(update={"address": rtsp.url("CAM07")}) if d.id == "CAM07" else d
               for d in loaded.town.devices]
    janus = JanusSection.model_validate({"debug_level": 3})
    return dataclasses.replace(loaded, town=loaded.town.model_copy(update={"devices": devices}),
                               sections={**loaded.sections, "janus": janus})


@pytest.fixture
async def hub(tmp_path: Path, system_broker_port: int, rtsp: RtspServer) -> AsyncIterator[Hub]:
    broker = {"host": "127.0.0.1", "port": system_broker_port, "client_id": "gridhub-call-e2e"}
    settings = hub_settings(tmp_path, broker, https={"hosts": ["127.0.0.1"]})
    async with make_hub(settings, call_town(rtsp)) as running:
        yield running



async def test_the_centre_and_two_villages_in_one_call(hub: Hub, call_browser: Browser) -> None:
    base = console_url(hub)
    assert base.startswith("https://")
    names = {"officer": await account(hub), **{v: await account(hub, Role.cadre, v) for v in (*VILLAGES, OUTSIDER)}}
    async with httpx.AsyncClient(base_url=base, verify=False, headers=await signed_in(hub)) as http, \
            contextlib.AsyncExitStack() as stack:
        made = await http.post("/api/calls", json={"title": "清溪河水位上涨会商", "villages": list(VILLAGES)})
        assert made.status_code == 201, made.text
        call_id = made.json()["id"]
        problems: list[str] = []
        cable = await stack.enter_async_context(Cable(int(base.rsplit(":", 1)[1].strip("/"))))
        pages = {who: (await call_page(call_browser, cable.url(base) if who == VILLAGES[1] else base, user, PASSWORD,
                                       call_id, problems))[1]
                 for who, user in names.items() if who != OUTSIDER}
        for page in pages.values():
            await join(page)
        for who, page in pages.items():
            others = {names[w] for w in pages if w != who}
            await receiving(page, "sub", others)  # each sees the other two, live

        shared = await http.put(f"/api/calls/{call_id}/camera", json={"camera": "CAM07"})
        assert shared.status_code == 200, shared.text
        for page in pages.values():
            await receiving(page, "cam", {"CAM07"})  # the river reaches every participant
        await expect(pages["officer"].locator('.tile[data-key="camera"] .label')).to_contain_text("CAM07")

        await check_outsider(call_browser, base, names[OUTSIDER], call_id, problems)
        await check_drop_and_rejoin(hub, cable, pages[VILLAGES[1]], call_id, names[VILLAGES[1]], names["officer"])
        assert problems == []


async def check_outsider(call_browser: Browser, base: str, username: str, call_id: int, problems: list[str]) -> None:
    """A cadre of a village the call did not invite is refused (4403) and told so."""
    context, page = await call_page(call_browser, base, username, PASSWORD, call_id, problems)
    await join(page)
    await expect(page.locator("#join-error")).to_have_text("无权加入此视频调度")
    assert await page.evaluate("callState.client") is None
    await context.close()


async def check_drop_and_rejoin(hub: Hub, cable: Cable, page: Page, call_id: int, username: str,
                                officer: str) -> None:
    """The cadre's network goes: the hub counts a drop; it comes back: the page joins again and sees the others."""
    cable.snap()
    await wait_for(lambda: presence(hub, call_id, username) == "dropped", timeout=30, what="the drop noticed")
    await expect(page.locator("#status")).to_contain_text("重新加入")
    cable.mend()
    await wait_for(lambda: presence(hub, call_id, username) == "in", timeout=30, what="joined again")
    await receiving(page, "sub", {officer})
    await receiving(page, "cam", {"CAM07"})
    assert hub.ctx.calls is not None
    who = hub.ctx.calls.book.calls[call_id].participant(username)
    assert who is not None and who.joins == 2


def presence(hub: Hub, call_id: int, username: str) -> str | None:
    assert hub.ctx.calls is not None
    call = hub.ctx.calls.book.calls.get(call_id)
    who = call.participant(username) if call else None
    return who.presence.value if who else None
