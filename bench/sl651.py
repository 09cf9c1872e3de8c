"""SL 651 benchmark: frames parsed per second, and frames ingested end to end over TCP, against HJ 212.

(a) Parse. N timed reports (32H, HEX/BCD, six elements) through a station session:
    scan, CRC, station and password, decode into readings, confirmation built.
    Reference in the same run: N HJ 212 real-time frames with six values.
(b) End to end. The hub with the sample town plus two SL 651 stations; each streams
    N/2 reports over one TCP connection and reads its confirmations; timed from the
    first byte to the last reading committed to SQLite. Reference in the same run and
    hub: the sample town's two HJ 212 stations sending N/2 frames each with the same values.

Prints both figures with their references, the CPU time the end-to-end run cost per frame (steadier than the
rate on a shared machine); last, `sl651_frames_per_s` (end to end).
Run: .venv/bin/python bench/sl651.py [--frames 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from adapters.hj212 import frame as hj212_frame
from adapters.hj212.session import Session as Hj212Session
from adapters.hj212.session import StationBook as Hj212Book
from adapters.sl651.config import Sl651Config
from adapters.sl651.frame import Encoding, Header, encode
from adapters.sl651.session import Session, StationBook
from adapters.stations import Collected
from hub.town import Device, DeviceKind
from tests.support import free_port, hub_settings, make_hub, sample_town, wait_for

BASE = sample_town()
NEAR = next(d for d in BASE.town.devices if d.id == "RG01")
SL651_STATIONS = [("0012345601", "SLB1"), ("0012345602", "SLB2")]
TOWN = BASE.town.model_copy(update={"devices": [*BASE.town.devices, *(
    Device(id=dev, name=dev, kind=DeviceKind.RIVER_STATION, adapter="sl651", address=address,
           location=NEAR.location, grid=NEAR.grid) for address, dev in SL651_STATIONS)]})
# The frames replay past days, so their send times would look like slow clocks: no clock is read or set (the
# commands would also reach stations that never read them, and a socket closed with unread data is reset).
QUIET = {"set_clocks": False}
SL651 = Sl651Config.model_validate({"listen": {"port": free_port()}, "password": "1234", "commands": QUIET})
HJ212 = BASE.sections["hj212"].model_copy(update={"commands": type(BASE.sections["hj212"].commands)(**QUIET)})
LOADED = dataclasses.replace(BASE, town=TOWN, sections={**BASE.sections, "sl651": SL651, "hj212": HJ212})
HJ212_STATIONS = [(d.address or "", HJ212.password_of(d.id) or "") for d in TOWN.devices if d.adapter == "hj212"]
CHINA = ZoneInfo(TOWN.town.timezone)
READINGS = 6  # per frame, both protocols
CONFIRMATION = 25  # bytes of a HEX confirmation: header 13, STX, serial and time 8, ESC, CRC 2


def _bcd(value: float, size: int, decimals: int) -> str:
    return f"{round(value * 10 ** decimals):0{size * 2}d}"


def sl651_frames(n: int, address: str, start: int) -> bytes:
    """N timed reports of one station, one minute apart: VT, C, Q, AI, PJ, PN05 (none feeds a derived series)."""
    out = []
    for i in range(n):
        t = datetime.fromtimestamp(start + 60 * i, CHINA)
        v = 7 + (i % 50) / 10
        elements = (f"3812{_bcd(v, 2, 2)}0319{_bcd(v, 3, 1)}272B{_bcd(v, 5, 3)}0219{_bcd(v, 3, 1)}"
                    f"2019{_bcd(v, 3, 1)}2219{_bcd(v, 3, 1)}")
        body = ((i % 65535 + 1).to_bytes(2, "big") + bytes.fromhex(f"{t:%y%m%d%H%M%S}") + b"\xf1\xf1"
                + bytes.fromhex(address) + b"H\xf0\xf0" + bytes.fromhex(f"{t:%y%m%d%H%M}") + bytes.fromhex(elements))
        out.append(encode(Encoding.HEX, Header(1, address, "1234", 0x32), body))
    return b"".join(out)


def hj212_frames(n: int, mn: str, pw: str, start: int) -> bytes:
    out = []
    for i in range(n):
        t = datetime.fromtimestamp(start + 60 * i, CHINA).strftime("%Y%m%d%H%M%S")
        cp = ";".join(f"{c}-Rtd={7 + (i % 50) / 10:.2f},{c}-Flag=N" for c in (
            "w01018", "w21003", "w01001", "w01009", "w01010", "w01014"))
        out.append(hj212_frame.encode(f"QN={t}000;ST=21;CN=2011;PW={pw};MN={mn};Flag=4;CP=&&DataTime={t};{cp}&&"))
    return b"".join(out)


def parse_rates(n: int) -> tuple[float, float]:
    start = int(time.time()) - 60 * n
    data = sl651_frames(n, SL651_STATIONS[0][0], start)
    session, out = Session(StationBook(TOWN, SL651), "bench"), Collected()
    began = time.perf_counter()
    for i in range(0, len(data), 65536):
        session.feed(data[i:i + 65536], time.time(), out)
    sl651 = n / (time.perf_counter() - began)
    assert len(out.readings) == n * READINGS and not out.letters, out.letters[:3]
    data = hj212_frames(n, *HJ212_STATIONS[0], start)
    hj, hj_out = Hj212Session(Hj212Book(TOWN, HJ212), "bench"), Collected()
    began = time.perf_counter()
    for i in range(0, len(data), 65536):
        hj.feed(data[i:i + 65536], time.time(), hj_out)
    hj212 = n / (time.perf_counter() - began)
    assert len(hj_out.readings) == n * READINGS and not hj_out.letters, hj_out.letters[:3]
    return sl651, hj212


async def _stream(port: int, data: bytes, reply_bytes: int) -> None:
    """Send *data* while reading the confirmations, so that neither side's buffers stall the other."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)

    async def read() -> None:
        got = 0
        while got < reply_bytes and (chunk := await reader.read(65536)):
            got += len(chunk)

    async def write() -> None:
        writer.write(data)
        await writer.drain()

    await asyncio.gather(read(), write())
    writer.close()


async def end_to_end(n: int, tmp: Path) -> tuple[float, float, float]:
    start = int(time.time()) - 60 * n
    sl651 = [sl651_frames(n // 2, address, start) for address, _ in SL651_STATIONS]
    hj212 = [hj212_frames(n // 2, mn, pw, start) for mn, pw in HJ212_STATIONS]
    async with make_hub(hub_settings(tmp / "hub", None), LOADED) as hub:  # its own embedded broker
        ports = {s.name: s.port for s in hub.services if s.name in ("sl651", "hj212")}  # type: ignore[attr-defined]
        rates, cpu = [], []
        for name, streams, replies in (("sl651", sl651, CONFIRMATION * (n // 2)), ("hj212", hj212, 0)):
            target = hub.ctx.recorder.committed + n // 2 * 2 * READINGS
            began, cpu_began = time.perf_counter(), time.process_time()
            await asyncio.gather(*(_stream(ports[name], s, replies) for s in streams))
            await wait_for(lambda t=target: hub.ctx.recorder.committed >= t, timeout=600, what="readings committed")
            rates.append(n // 2 * 2 / (time.perf_counter() - began))
            cpu.append((time.process_time() - cpu_began) / (n // 2 * 2))
        assert hub.ctx.dead_letters.total() == 0, hub.ctx.dead_letters.counts()
    return rates[0], rates[1], cpu[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=20000)
    n = parser.parse_args().frames
    parsed, hj_parsed = parse_rates(n)
    print(f"parse: {parsed:,.0f} SL 651 frames/s; HJ 212, same six values: {hj_parsed:,.0f} frames/s "
          f"(ratio {parsed / hj_parsed:.2f})")
    with tempfile.TemporaryDirectory() as tmp:
        e2e, hj_e2e, cpu = asyncio.run(end_to_end(n, Path(tmp)))
    print(f"tcp: {e2e:,.0f} SL 651 frames/s end to end ({READINGS} readings each, committed to SQLite, each "
          f"confirmed once committed); HJ 212 in the same hub: {hj_e2e:,.0f} frames/s")
    print(f"cpu: {cpu * 1e6:.0f} µs of the process's CPU per SL 651 frame end to end (stations' side included); "
          f"{1 / cpu:,.0f} frames per CPU-second")
    print(f"sl651_frames_per_s: {e2e:.0f}")


if __name__ == "__main__":
    main()
