"""SL 651 stations dial in to a running hub over real sockets: both encodings, multi-packet, junk, bad input."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from adapters.sl651.config import Sl651Config, StationAuth
from hub.app import Hub
from hub.town import Device, DeviceKind
from tests.sl651_support import PASSWORD2, STATION, STATION2, ascii_body, ascii_frame, hex_body, hex_frame
from tests.support import console_url, free_port, hub_settings, make_hub, sample_town, signed_in

pytestmark = pytest.mark.integration
ESC, ACK, NAK = 0x1B, 0x06, 0x15


@dataclasses.dataclass
class RunningHub:
    hub: Hub
    loop: asyncio.AbstractEventLoop
    port: int
    tz: ZoneInfo

    def rejects(self, reason: str, device: str = "-") -> int:
        return sum(c.count for c in self.hub.ctx.dead_letters.counts() if c.reason == reason and c.device == device)

    def latest(self, device: str) -> dict[str, float]:
        return {r.quantity: r.value for r in self.hub.ctx.store.latest(device)}

    def at(self, minutes_ago: int) -> datetime:
        """A whole minute of the town's local time, *minutes_ago* before now."""
        return (datetime.now(self.tz) - timedelta(minutes=minutes_ago)).replace(second=0, microsecond=0)


def _town() -> object:
    loaded = sample_town()
    near = next(d for d in loaded.town.devices if d.id == "RG01")
    added = [Device(id="SL01", name="SL 651 雨量站", kind=DeviceKind.RAIN_GAUGE, adapter="sl651", address=STATION,
                    location=near.location, grid=near.grid),
             Device(id="SL02", name="SL 651 水位站", kind=DeviceKind.RIVER_STATION, adapter="sl651",
                    address=STATION2, location=near.location, grid=near.grid)]
    town = loaded.town.model_copy(update={"devices": [*loaded.town.devices, *added]})
    config = Sl651Config.model_validate({"listen": {"port": free_port()}, "password": "1234",
                                         "stations": {"SL02": StationAuth(password=PASSWORD2)},
                                         "max_length": 1024, "idle_timeout_s": 2.0,
                                         "commands": {"set_clocks": False}})  # frames sent in 2025
    return dataclasses.replace(loaded, town=town, sections={**loaded.sections, "sl651": config})


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHub]:
    """One hub (with its embedded broker) for the module, on its own loop in a thread: tests use plain sockets."""
    loaded = _town()
    hub = make_hub(hub_settings(tmp_path_factory.mktemp("hub"), None), loaded)  # type: ignore[arg-type]
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(hub.start(), loop).result(30)
    server = next(s for s in hub.services if s.name == "sl651")
    yield RunningHub(hub, loop, server.port, ZoneInfo(hub.ctx.town.town.timezone))  # type: ignore[attr-defined]
    asyncio.run_coroutine_threadsafe(hub.stop(), loop).result(30)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()


def dial(port: int) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def replies(s: socket.socket, n: int) -> list[bytes]:
    """The next *n* downlink frames (either encoding), split by their length field, read by hand."""
    buf, got = b"", []
    while len(got) < n:
        data = s.recv(4096)
        assert data, f"server closed after {len(got)} of {n} replies"
        buf += data
        while (size := _size(buf)) is not None and len(buf) >= size:
            got.append(buf[:size])
            buf = buf[size:]
    assert not buf, "more than asked for"
    return got


def _size(buf: bytes) -> int | None:
    if buf[:1] == b"\x7e" and len(buf) >= 13:
        return 13 + 1 + ((buf[11] & 0x0F) << 8 | buf[12]) + 1 + 2
    if buf[:1] == b"\x01" and len(buf) >= 23:
        return 23 + 1 + int(buf[20:23], 16) + 1 + 4
    return None


def end_of(reply: bytes) -> int:
    return reply[-3] if reply[:1] == b"\x7e" else reply[-5]


def wait(predicate: object, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def api(running: RunningHub, device: str, quantity: str) -> dict[str, object]:
    headers = asyncio.run_coroutine_threadsafe(signed_in(running.hub), running.loop).result(10)
    params: dict[str, str | float] = {"device": device, "quantity": quantity, "start": time.time() - 7200}
    response = httpx.get(console_url(running.hub) + "api/readings", params=params, headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_hex_and_ascii_reports_are_confirmed_and_reach_the_api(running: RunningHub) -> None:
    obs = running.at(5)
    hex_report = hex_frame(hex_body("26 19 00 12 34  20 19 00 00 15  F4 60 00 01 02 03 04 05 06 07 08 09 0A 0B",
                                    serial=0x0042, observed=f"{obs:%y%m%d%H%M}"), 0x34)
    text_report = ascii_frame(ascii_body("Z 12.345 VT 12.34", serial=7, station=STATION2, category="H",
                                         observed=f"{obs:%y%m%d%H%M}"), 0x32, station=STATION2, password=PASSWORD2)
    with dial(running.port) as s:
        s.sendall(hex_report)
        [confirm] = replies(s, 1)
    assert confirm[:2] == b"\x7e\x7e" and confirm[2:8] == bytes.fromhex(STATION + "01")  # station first
    assert confirm[10] == 0x34 and confirm[11] >> 4 == 8 and confirm[14:16] == b"\x00\x42" and end_of(confirm) == ESC
    with dial(running.port) as s:
        s.sendall(text_report)
        [confirm] = replies(s, 1)
    assert confirm[:1] == b"\x01" and confirm[1:13] == f"{STATION2}01".encode() and confirm[19:20] == b"8"
    assert confirm[24:28] == b"0007" and end_of(confirm) == ESC
    wait(lambda: {"rainfall_total", "rainfall.5m"} <= running.latest("SL01").keys(), "SL01's rain")
    wait(lambda: {"water_level", "battery_voltage"} <= running.latest("SL02").keys(), "SL02's level")
    level = api(running, "SL02", "water_level")
    assert level["unit"] == "m" and [p["mean"] for p in level["points"]] == [12.345]  # type: ignore[attr-defined]
    five = api(running, "SL01", "rainfall.5m")["points"]
    assert len(five) == 12 and five[-1]["time"] == obs.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")  # type: ignore[index,arg-type]


def test_multi_packet_messages_in_both_encodings(running: RunningHub) -> None:
    obs = running.at(4)
    body = hex_body("39 23 00 00 45 67  38 12 12 00", station=STATION2, category="H", observed=f"{obs:%y%m%d%H%M}")
    parts = [body[:10], body[10:20], body[20:]]
    frames = [hex_frame(p, 0x32, station=STATION2, password=PASSWORD2, end=0x17 if i < 2 else 0x03,
                        packets=(3, i + 1)) for i, p in enumerate(parts)]
    with dial(running.port) as s:
        s.sendall(b"".join(frames))
        ends = [end_of(r) for r in replies(s, 3)]
    assert ends == [ACK, ACK, ESC]
    wait(lambda: running.latest("SL02").get("water_level") == 4.567, "the joined message's level")
    text = ascii_body("Z 4.321", station=STATION2, category="H", observed=f"{running.at(3):%y%m%d%H%M}")
    with dial(running.port) as s:
        s.sendall(ascii_frame(text[:20], station=STATION2, password=PASSWORD2, end=0x17, packets=(2, 1)))
        s.sendall(ascii_frame(text[20:], station=STATION2, password=PASSWORD2, packets=(2, 2)))
        ends = [end_of(r) for r in replies(s, 2)]
    assert ends == [ACK, ESC]
    wait(lambda: running.latest("SL02").get("water_level") == 4.321, "the joined ASCII message's level")


def test_junk_between_frames_read_after_read(running: RunningHub) -> None:
    before = running.rejects("bad_frame", "SL01") + running.rejects("bad_frame")
    one = hex_frame(hex_body("26 19 00 12 40", observed=f"{running.at(2):%y%m%d%H%M}"))
    two = ascii_frame(ascii_body("PT 124.5", observed=f"{running.at(1):%y%m%d%H%M}"))
    stream = b"garbage\r\n" + one + b"\x00\xff\x7e junk" + two
    with dial(running.port) as s:
        for i in range(0, len(stream), 7):
            s.sendall(stream[i:i + 7])
            time.sleep(0.001)
        assert [r[:1] for r in replies(s, 2)] == [b"\x7e", b"\x01"]
    wait(lambda: running.latest("SL01").get("rainfall_total") == 124.5, "both frames")
    assert running.rejects("bad_frame", "SL01") + running.rejects("bad_frame") > before


def test_bad_input_becomes_dead_letters_with_reasons(running: RunningHub) -> None:
    obs = f"{running.at(1):%y%m%d%H%M}"
    bad_crc = bytearray(hex_frame(hex_body("26 19 00 12 34", observed=obs)))
    bad_crc[-1] ^= 0x55
    oversize = bytearray(hex_frame(b"x" * 40))
    oversize[11:13] = b"\x0f\xff"
    cases = {
        ("bad_crc", "SL01"): bytes(bad_crc),
        ("wrong_password", "SL01"): hex_frame(hex_body("", observed=obs), password="9999"),
        ("bad_frame", "SL01"): hex_frame(hex_body("", observed=obs), centre=9),  # another centre's
        ("unknown_device", "-"): hex_frame(hex_body("", observed=obs, station="0099999999"), station="0099999999"),
        ("wrong_type", "SL01"): hex_frame(hex_body("39 23 00 0A 00 00", observed=obs)),  # impossible BCD
        ("oversize", "SL01"): bytes(oversize),
        ("bad_length", "SL01"): hex_frame(hex_body("26 19 00 12 34", observed=obs))[:-5],  # truncated: then closed
    }
    before = {key: running.rejects(*key) for key in cases}
    good = hex_frame(hex_body("26 19 00 12 50", observed=obs))
    with dial(running.port) as s:
        s.sendall(b"".join(raw + (good if key[0] != "bad_length" else b"") for key, raw in cases.items()))
        got = replies(s, 8)  # a NAK for the bad CRC, a confirmation for the impossible BCD, six for the good
    assert end_of(got[0]) == NAK and [end_of(r) for r in got[1:]] == [ESC] * 7
    for key in cases:
        wait(lambda key=key: running.rejects(*key) == before[key] + 1, f"{key} counted")  # type: ignore[misc]


def test_a_rain_counter_reset_feeds_the_rain_windows(running: RunningHub) -> None:
    frames = [hex_frame(hex_body(f"26 19 {counter}", serial=n, station=STATION2, category="P",
                                 observed=f"{running.at(30 - 10 * n):%y%m%d%H%M}"),
                        station=STATION2, password=PASSWORD2) for n, counter in enumerate(("00 10 00", "00 10 50",
                                                                                           "00 00 20"))]
    with dial(running.port) as s:
        for raw in frames:
            s.sendall(raw)
            replies(s, 1)
    wait(lambda: running.latest("SL02").get("rainfall_24h") == 7.0, "5.0 mm, then 2.0 mm after the reset")


def test_silent_and_flooding_clients_do_not_block_a_station(running: RunningHub) -> None:
    silent, flooder = dial(running.port), dial(running.port)
    stop = threading.Event()

    def flood() -> None:
        try:
            while not stop.is_set():
                flooder.sendall(b"x" * 65536)
        except OSError:
            pass  # the server closed us: what it should do

    thread = threading.Thread(target=flood)
    thread.start()
    started = time.monotonic()
    with dial(running.port) as station:
        station.sendall(hex_frame(hex_body("26 19 00 12 60", observed=f"{running.at(0):%y%m%d%H%M}")))
        assert end_of(replies(station, 1)[0]) == ESC
    assert time.monotonic() - started < 2.0
    thread.join(10)
    stop.set()
    assert not thread.is_alive(), "the server did not close a client that sends only junk"
    silent.settimeout(10)
    assert silent.recv(10) == b"", "the server did not close a silent connection"
    silent.close()
    flooder.close()


def test_status_alarm_bits_become_device_events(running: RunningHub) -> None:
    with dial(running.port) as s:
        for word, minutes in (("00000002", 2), ("00000000", 1)):  # battery low, then back
            s.sendall(hex_frame(hex_body(f"45 20 {word}", observed=f"{running.at(minutes):%y%m%d%H%M}")))
            replies(s, 1)

    def events() -> list[tuple[str, str]]:
        return [(e.kind.value, e.reason) for e in running.hub.ctx.store.device_events("SL01", 20)
                if e.reason.startswith("sl651")]

    wait(lambda: len(events()) == 2, "the alarm raised and cleared")
    assert sorted(events()) == [("fault", "sl651 battery_low"), ("fault_cleared", "sl651 battery_low")]
