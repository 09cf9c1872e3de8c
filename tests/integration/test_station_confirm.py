"""A station's report is confirmed only once the hub has committed it: a hub killed the moment after a
confirmation has the report, so a station never drops one the hub does not keep.

The store is held in the middle of its write (a real SQLite store, its write made to wait): no confirmation
may reach the station until the write finishes.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from adapters.hj212.frame import encode as hj212_frame
from adapters.sl651.config import Sl651Config
from hub.app import Hub
from hub.town import Device, DeviceKind
from tests.sl651_support import STATION, hex_body, hex_frame
from tests.support import free_port, hub_settings, make_hub, sample_town

pytestmark = pytest.mark.integration
HELD_S = 1.5


def _town() -> object:
    loaded = sample_town()
    near = next(d for d in loaded.town.devices if d.id == "RG01")
    added = Device(id="SL01", name="SL 651 雨量站", kind=DeviceKind.RAIN_GAUGE, adapter="sl651", address=STATION,
                   location=near.location, grid=near.grid)
    town = loaded.town.model_copy(update={"devices": [*loaded.town.devices, added]})
    config = Sl651Config.model_validate({"listen": {"port": free_port()}, "password": "1234",
                                         "commands": {"set_clocks": False}})
    hj212 = loaded.sections["hj212"].model_copy(update={"listen": type(loaded.sections["hj212"].listen)(
        host="127.0.0.1", port=free_port()), "commands": type(loaded.sections["hj212"].commands)(set_clocks=False)})
    return dataclasses.replace(loaded, town=town, sections={**loaded.sections, "sl651": config, "hj212": hj212})


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[Hub]:
    async with make_hub(hub_settings(tmp_path, None), _town()) as running:  # type: ignore[arg-type]
        yield running


def hold_writes(hub: Hub) -> tuple[threading.Event, threading.Event]:
    """Make the store's writes wait for the first event; the second is set when one has begun."""
    release, begun = threading.Event(), threading.Event()
    write: Callable[..., Any] = hub.ctx.store.write

    def held(*args: Any) -> Any:
        begun.set()
        release.wait(30)
        return write(*args)

    hub.ctx.store.write = held  # type: ignore[method-assign, assignment]
    return release, begun


async def first_reply_after(hub: Hub, edge: str, frame: bytes) -> tuple[float, bytes]:
    """Send *frame* with the store's writes held for HELD_S; seconds until the first reply byte, and the reply."""
    release, begun = hold_writes(hub)
    port = next(s.port for s in hub.services if s.name == edge)  # type: ignore[attr-defined]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        sent = time.monotonic()
        writer.write(frame)
        await writer.drain()
        assert await asyncio.to_thread(begun.wait, 10), "the hub never began to write the report"
        asyncio.get_running_loop().call_later(HELD_S, release.set)
        reply = await asyncio.wait_for(reader.read(4096), 15)
        return time.monotonic() - sent, reply
    finally:
        release.set()
        writer.close()


async def test_an_sl651_report_is_confirmed_only_once_committed(hub: Hub) -> None:
    now = datetime.now(ZoneInfo(hub.ctx.town.town.timezone))
    frame = hex_frame(hex_body("26 19 001234", sent=f"{now:%y%m%d%H%M%S}", observed=f"{now:%y%m%d%H%M}"))
    waited, reply = await first_reply_after(hub, "sl651", frame)
    assert waited >= HELD_S and reply[:2] == b"\x7e\x7e" and reply[-3] == 0x1B  # the confirmation, ESC
    assert {r.quantity for r in hub.ctx.store.latest("SL01")} >= {"rainfall_total"}


async def test_an_hj212_upload_is_answered_only_once_committed(hub: Hub) -> None:
    station = next(d for d in hub.ctx.town.devices if d.adapter == "hj212")
    password = hub.ctx.sections["hj212"].password_of(station.id)
    now = datetime.now(ZoneInfo(hub.ctx.town.town.timezone))
    segment = (f"QN={now:%Y%m%d%H%M%S}000;ST=21;CN=2011;PW={password};MN={station.address};Flag=5;"
               f"CP=&&DataTime={now:%Y%m%d%H%M%S};w01010-Rtd=18.5,w01010-Flag=N&&")
    waited, reply = await first_reply_after(hub, "hj212", hj212_frame(segment))
    assert waited >= HELD_S and b"CN=9014" in reply
