"""The centre's commands to stations: their frames against the standards' layouts, and how replies close them.

The frames are checked against bytes assembled here by hand (tests/sl651_support's CRC); the matching of
replies runs StationLinks with an in-memory log and a recording link (pure logic: the real sockets are in
tests/integration/test_station_commands.py).
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from adapters.hj212.config import Hj212Config
from adapters.hj212.frame import encode
from adapters.hj212.session import Session as Hj212Session
from adapters.hj212.session import StationBook as Hj212Book
from adapters.sl651.config import Sl651Config
from adapters.sl651.session import Session, StationBook
from adapters.station_links import AUTO, Reply, StationLinks, TalkBack
from adapters.stations import Collected
from hub.station_commands import CommandKind, CommandState, StationCommand
from tests.sl651_support import STATION, ascii_body, ascii_frame, hex_body, hex_frame, ref_crc
from tests.support import broken_town, line_of, problems
from tests.unit.test_sl651_session import town

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2025, 6, 1, 10, 0, 5, tzinfo=TZ).timestamp()
TALK = TalkBack(reply_timeout_s=0.5)


class Log:
    """The command log in memory."""

    def __init__(self) -> None:
        self.rows: list[StationCommand] = []

    def add(self, command: StationCommand) -> StationCommand:
        self.rows.append(command.model_copy(update={"id": len(self.rows) + 1}))
        return self.rows[-1]

    def update(self, command: StationCommand) -> None:
        self.rows[command.id - 1] = command

    def recent(self, device: str, limit: int) -> list[StationCommand]:
        return [c for c in reversed(self.rows) if c.device == device][:limit]

    def get(self, command_id: int) -> StationCommand | None:
        return self.rows[command_id - 1] if 0 < command_id <= len(self.rows) else None

    def close(self) -> None:
        pass


class Wire:
    """A link that records what it was asked to send."""

    protocol = "sl651"
    talk = TALK

    def __init__(self) -> None:
        self.sent: list[bytes] = []
        self.keys = iter(range(1, 100))

    def command(self, device: str, kind: CommandKind, now: float) -> tuple[str, bytes, str]:
        return str(next(self.keys)), kind.value.encode(), kind.value

    def write(self, data: bytes) -> bool:
        self.sent.append(data)
        return True


def sl651_session(**config: object) -> Session:
    book = StationBook(town(STATION), Sl651Config.model_validate({"password": "1234", **config}))
    s = Session(book, "test")
    s.feed(hex_frame(hex_body("")), NOW, Collected())  # it heard the station
    return s


def test_sl651_commands_are_downlink_frames_ending_with_enq_in_the_station_encoding() -> None:
    s = sl651_session()
    key, frame, shown = s.command("SL01", CommandKind.SET_CLOCK, NOW)
    body = bytes.fromhex("0001 250601100005")  # serial 1, the centre's time (the time to set) as BCD
    head = bytes.fromhex("7E7E") + bytes.fromhex(STATION) + bytes([0x01]) + bytes.fromhex("1234") + bytes([0x4A])
    expected = head + bytes([0x80, len(body), 0x02]) + body + bytes([0x05])
    assert (key, frame) == ("1", expected + ref_crc(expected).to_bytes(2, "big"))
    assert shown.startswith("7E 7E 00 12 34 56 78 01 12 34 4A 80 08 02 00 01 25 06 01 10 00 05 05")


def test_sl651_ascii_stations_get_ascii_commands_and_serials_count_on() -> None:
    s = Session(StationBook(town(STATION), Sl651Config.model_validate({"password": "1234"})), "test")
    s.feed(ascii_frame(ascii_body("PT 1.0")), NOW, Collected())
    s.command("SL01", CommandKind.QUERY, NOW)
    key, frame, shown = s.command("SL01", CommandKind.QUERY, NOW)
    text = f"{STATION}01123437".encode() + b"8011"  # down flag 8, length 17 (0x011) in 3 hex digits
    text += b"\x02" + b"0002 250601100005" + b"\x05"
    expected = b"\x01" + text
    assert (key, frame, shown) == ("2", expected + f"{ref_crc(expected):04X}".encode(), frame.decode())


def test_sl651_commands_may_carry_serial_0_for_firmware_that_takes_numbers_for_confirmations() -> None:
    key, frame, _ = sl651_session(number_commands=False).command("SL01", CommandKind.QUERY, NOW)
    assert key == "0" and frame[14:16] == b"\x00\x00"


def test_hj212_commands_carry_the_station_st_pw_mn_and_a_qn_of_the_hub() -> None:
    book = Hj212Book(town(STATION), Hj212Config.model_validate({"password": "123456"}))
    mn = next(d.address for d in town().devices if d.id == "WQ01")
    s = Hj212Session(book, "test")
    s.feed(encode(f"QN=20250601100000001;ST=32;CN=2011;PW=123456;MN={mn};Flag=4;CP=&&DataTime=20250601100000&&"),
           NOW, Collected())
    qn, frame, shown = s.command("WQ01", CommandKind.SET_CLOCK, NOW)
    assert qn == "20250601100005000"
    assert frame == encode(f"QN={qn};ST=32;CN=1012;PW=123456;MN={mn};Flag=5;CP=&&SystemTime=20250601100005&&")
    assert shown == frame.decode().strip()
    assert s.command("WQ01", CommandKind.QUERY, NOW)[0] == "20250601100005001"  # never the same QN twice
    assert b"CN=2011;" in s.command("WQ01", CommandKind.QUERY, NOW)[1]


def test_sl651_reads_a_clock_with_51h_and_its_answer_tells_the_station_time() -> None:
    s = sl651_session()
    key, frame, _ = s.command("SL01", CommandKind.READ_CLOCK, NOW)
    body = bytes.fromhex("0001 250601100005")
    head = bytes.fromhex("7E7E") + bytes.fromhex(STATION) + bytes([0x01]) + bytes.fromhex("1234") + bytes([0x51])
    expected = head + bytes([0x80, len(body), 0x02]) + body + bytes([0x05])
    assert (key, frame) == ("1", expected + ref_crc(expected).to_bytes(2, "big"))


async def test_clock_answers_close_the_reading_with_the_station_time() -> None:
    log = Log()
    links = StationLinks(log, time.time, {"SL01": "sl651", "WQ01": "hj212"})
    sl651 = Session(StationBook(town(STATION), Sl651Config.model_validate({"password": "1234"}), links=links), "t")
    sl651.attach(lambda data: True)
    sl651.feed(hex_frame(hex_body("")), NOW, Collected())
    reading = asyncio.create_task(links.send("SL01", CommandKind.READ_CLOCK, AUTO))
    await asyncio.sleep(0.05)
    # The station's 51H answer: serial 1, its clock 2025-06-01 09:50:00 (ten minutes slow), F1F1 and its address.
    answer = hex_frame(bytes.fromhex("0001 250601095000 F1F1") + bytes.fromhex(STATION), function=0x51)
    sl651.feed(answer, NOW, Collected())
    read = await reading
    assert (read.state, read.station_clock) == (CommandState.ANSWERED, NOW - 605)

    mn = next(d.address for d in town().devices if d.id == "WQ01")
    hj212 = Hj212Session(Hj212Book(town(), Hj212Config.model_validate({"password": "123456"}), links), "t")
    hj212.attach(lambda data: True)
    hj212.feed(encode(f"QN=20250601100000001;ST=32;CN=2011;PW=123456;MN={mn};Flag=4;CP=&&DataTime=20250601100000&&"),
               NOW, Collected())
    qn, frame, _ = hj212.command("WQ01", CommandKind.READ_CLOCK, NOW)
    assert frame == encode(f"QN={qn};ST=32;CN=1011;PW=123456;MN={mn};Flag=5;CP=&&&&")
    for told in (f"QN={qn};ST=32;CN=1011;PW=123456;MN={mn};Flag=4;CP=&&SystemTime=20250601100105&&",  # HJ 212-2017
                 f"ST=32;CN=1011;PW=123456;MN={mn};Flag=0;CP=&&QN={qn};SystemTime=20250601100105&&"):  # QN in CP
        reading = asyncio.create_task(links.send("WQ01", CommandKind.READ_CLOCK, AUTO))
        await asyncio.sleep(0.05)
        out = Collected()
        hj212.feed(encode(told), NOW, out)
        read = await reading
        assert (read.state, read.station_clock, out.letters) == (CommandState.ANSWERED, NOW + 60, [])
        qn = str(int(qn) + 1)
    await links.close()


async def test_a_reply_closes_the_command_it_names_else_the_oldest_of_its_kind() -> None:
    links, wire = StationLinks(Log(), lambda: NOW, {"SL01": "sl651"}), Wire()
    links.connected("SL01", wire)
    first = asyncio.create_task(links.send("SL01", CommandKind.QUERY, "officer"))
    second = asyncio.create_task(links.send("SL01", CommandKind.QUERY, "admin"))
    clock = asyncio.create_task(links.send("SL01", CommandKind.SET_CLOCK, AUTO))
    await asyncio.sleep(0.05)
    assert wire.sent == [b"query", b"query", b"set_clock"]
    assert not links.answer("SL01", Reply(CommandKind.QUERY, "3", CommandState.ANSWERED, "", ""))  # 3 is a clock's
    assert links.answer("SL01", Reply(CommandKind.QUERY, "2", CommandState.ANSWERED, "named", "r2", 3))
    assert links.answer("SL01", Reply(CommandKind.QUERY, "77", CommandState.ANSWERED, "unnamed", "r77"))
    assert links.answer("SL01", Reply(None, "3", CommandState.REFUSED, "ExeRtn=2", "r3"))
    done = [await t for t in (first, second, clock)]
    assert [(c.key, c.state, c.detail, c.by) for c in done] == [
        ("1", CommandState.ANSWERED, "unnamed", "officer"), ("2", CommandState.ANSWERED, "named", "admin"),
        ("3", CommandState.REFUSED, "ExeRtn=2", AUTO)]
    assert done[1].readings == 3 and done[1].reply == "r2"


async def test_unasked_data_closes_a_query_only_once_the_station_took_it() -> None:
    links, wire = StationLinks(Log(), lambda: NOW, {"WQ01": "hj212"}), Wire()
    links.connected("WQ01", wire)
    query = asyncio.create_task(links.send("WQ01", CommandKind.QUERY, "officer"))
    await asyncio.sleep(0.05)
    upload = Reply(CommandKind.QUERY, "own-qn", CommandState.ANSWERED, "6 readings", "", 6, after_taken=True)
    assert not links.answer("WQ01", upload)  # a regular upload already on its way
    links.taken("WQ01", "1")
    assert links.answer("WQ01", upload)
    assert (await query).state is CommandState.ANSWERED


async def test_offline_stations_fail_at_once_and_silent_ones_time_out_or_hang_up() -> None:
    log = Log()
    links, wire = StationLinks(log, lambda: NOW, {"SL01": "sl651", "SL02": "sl651"}), Wire()
    assert (await links.send("SL01", CommandKind.QUERY, "officer")).state is CommandState.NOT_CONNECTED
    links.connected("SL01", wire)
    timed_out = await links.send("SL01", CommandKind.QUERY, "officer")
    assert (timed_out.state, timed_out.detail) == (CommandState.TIMED_OUT, "no reply in 0.5 s")
    hung_up = asyncio.create_task(links.send("SL01", CommandKind.QUERY, "officer"))
    await asyncio.sleep(0.05)
    links.gone(wire)
    assert (await hung_up).state is CommandState.NOT_CONNECTED
    assert [c.state for c in await links.recent("SL01", 10)] == [CommandState.NOT_CONNECTED, CommandState.TIMED_OUT,
                                                                  CommandState.NOT_CONNECTED]


@pytest.mark.parametrize(("drift", "asked", "sent"), [(59.0, False, []), (61.0, False, [b"read_clock"]),
                                                      (-61.0, False, [b"read_clock"]), (0.0, True, [b"set_clock"])])
async def test_a_clock_past_the_drift_is_read_and_one_asked_for_set_at_most_once_an_interval(
        drift: float, asked: bool, sent: list[bytes]) -> None:
    links, wire = StationLinks(Log(), time.time, {"SL01": "sl651"}), Wire()  # a demo's replaying clock sets none
    links.connected("SL01", wire)
    for _ in range(3):
        now = time.time()
        links.clock_seen("SL01", now + drift, now, TALK, asked)
    await asyncio.sleep(0.05)
    assert wire.sent == sent
    await links.close()


@pytest.mark.parametrize(("clock_off", "sets"), [(5.0, False), (-300.0, True), (None, True)])
async def test_the_clock_is_set_only_when_its_reading_confirms_the_drift_or_does_not_come(
        clock_off: float | None, sets: bool) -> None:
    log, wire = Log(), Wire()
    links = StationLinks(log, time.time, {"SL01": "sl651"})
    links.connected("SL01", wire)
    links.clock_seen("SL01", time.time() - 600, time.time(), TALK)  # a report ten minutes old: late, or a slow clock
    await asyncio.sleep(0.05)
    if clock_off is not None:  # the station tells its clock; else the reading times out (TALK: 0.5 s)
        told = time.time() + clock_off
        assert links.answer("SL01", Reply(CommandKind.READ_CLOCK, "1", CommandState.ANSWERED, "", "r", clock=told))
    await asyncio.sleep(0.7)
    assert wire.sent == ([b"read_clock", b"set_clock"] if sets else [b"read_clock"])
    read = log.rows[0]
    assert read.kind is CommandKind.READ_CLOCK and read.by == AUTO
    assert read.station_clock == (None if clock_off is None else pytest.approx(time.time() + clock_off, abs=2))
    await links.close()


async def test_a_late_word_on_a_closed_command_closes_no_other() -> None:
    links, wire = StationLinks(Log(), lambda: NOW, {"WQ01": "hj212"}), Wire()
    links.connected("WQ01", wire)
    read = asyncio.create_task(links.send("WQ01", CommandKind.READ_CLOCK, AUTO))
    await asyncio.sleep(0.05)
    assert links.answer("WQ01", Reply(CommandKind.READ_CLOCK, "1", CommandState.ANSWERED, "", "r", clock=NOW))
    assert (await read).state is CommandState.ANSWERED
    setting = asyncio.create_task(links.send("WQ01", CommandKind.SET_CLOCK, AUTO))
    await asyncio.sleep(0.05)
    # The 9012 ExeRtn=1 that follows the CN=1011 answer, late: it names the reading, not the setting.
    assert not links.answer("WQ01", Reply(CommandKind.SET_CLOCK, "1", CommandState.ANSWERED, "set", "9012"))
    assert links.answer("WQ01", Reply(CommandKind.SET_CLOCK, "2", CommandState.ANSWERED, "set", "9012"))
    assert (await setting).key == "2"


async def test_no_clock_is_set_while_the_town_clock_replays_the_past() -> None:
    links, wire = StationLinks(Log(), lambda: time.time() - 3600, {"SL01": "sl651"}), Wire()
    links.connected("SL01", wire)
    links.clock_seen("SL01", time.time() + 600, time.time(), TALK)
    await asyncio.sleep(0.05)
    assert wire.sent == []


async def test_an_hj212_station_asking_for_the_time_gets_its_clock_set() -> None:
    mn = next(d.address for d in town().devices if d.id == "WQ01")
    links = StationLinks(Log(), time.time, {"WQ01": "hj212"})
    s = Hj212Session(Hj212Book(town(), Hj212Config.model_validate({"password": "123456"}), links), "test")
    written: list[bytes] = []
    s.attach(lambda data: written.append(data) is None)
    out = Collected()
    fed = s.feed(encode(f"QN=20250601100000001;ST=32;CN=1013;PW=123456;MN={mn};Flag=5;CP=&&&&"), time.time(), out)
    assert [r[6:].split(b";")[2] for r in fed.replies] == [b"CN=9014"] and not out.letters  # acknowledged, taken
    await asyncio.sleep(0.05)
    assert len(written) == 1 and b"CN=1012;" in written[0]
    await links.close()


def test_the_commands_settings_are_checked_with_the_file_and_key_named(tmp_path: Path) -> None:
    path = broken_town(tmp_path, '    mqtt_topics: ["sl651/+/up"]',
                       '    mqtt_topics: ["sl651/+/up"]\n    commands: {clock_drift_s: 0, clock_evry_s: 60}')
    found = problems(path)
    assert any("adapters.sl651.commands.clock_drift_s" in p and "greater than 0" in p for p in found), found
    assert any("adapters.sl651.commands.clock_evry_s" in p for p in found), found
    assert all(p.startswith(f"{path}:{line_of(path, 'clock_drift_s')}") for p in found), found
