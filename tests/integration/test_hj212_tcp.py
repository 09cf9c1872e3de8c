"""The HJ 212 TCP server in a running hub: stations dial in with real sockets, good and bad."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.hj212.frame import FrameScanner, encode
from adapters.hj212.packet import parse_segment
from adapters.station_links import TalkBack
from hub.app import Hub
from tests.hj212_support import MN2, PW2, frame
from tests.support import hub_settings, make_hub, sample_town

pytestmark = pytest.mark.integration
IDLE_S = 1.0


@dataclasses.dataclass
class RunningHub:
    hub: Hub
    loop: asyncio.AbstractEventLoop
    port: int

    def committed(self, device: str) -> int:
        return sum(1 for _ in self.hub.ctx.store.latest(device))

    def rejects(self, reason: str) -> int:
        return sum(c.count for c in self.hub.ctx.dead_letters.counts() if c.reason == reason)


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory, system_broker_port: int) -> Iterator[RunningHub]:
    """One hub for the module, on its own loop in a thread, so tests (and hypothesis) use plain sockets."""
    loaded = sample_town()
    hj212 = loaded.sections["hj212"].model_copy(update={"idle_timeout_s": IDLE_S, "max_segment_bytes": 2048,
                                                          "commands": TalkBack(set_clocks=False)})  # old QNs
    loaded = dataclasses.replace(loaded, sections={**loaded.sections, "hj212": hj212})
    settings_ = hub_settings(tmp_path_factory.mktemp("hub"), {"host": "127.0.0.1", "port": system_broker_port,
                                                             "client_id": "gridhub-hj212-test", "keepalive_s": 5})
    hub = make_hub(settings_, loaded)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(hub.start(), loop).result(30)
    server = next(s for s in hub.services if s.name == "hj212")
    yield RunningHub(hub, loop, server.port)  # type: ignore[attr-defined]
    asyncio.run_coroutine_threadsafe(hub.stop(), loop).result(30)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()


def dial(port: int) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def replies(s: socket.socket, n: int) -> list[str]:
    """The next *n* reply segments from the server."""
    scanner, got = FrameScanner(), []
    while len(got) < n:
        data = s.recv(4096)
        assert data, f"server closed after {len(got)} of {n} replies"
        got += [f.segment.decode() for f in scanner.feed(data)]  # type: ignore[union-attr]
    return got


def wait(predicate: object, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def test_split_reads_many_frames_per_read_and_garbage(running: RunningHub) -> None:
    stream = b"garbage\r\n" + frame() + frame(cp="DataTime=20261122100000;w21003-Rtd=0.4") + b"\x00\xff##x"
    stream += frame(cp="DataTime=20261122100000;w01010-Rtd=18.5")
    with dial(running.port) as s:
        for i in range(0, len(stream), 13):
            s.sendall(stream[i:i + 13])
            time.sleep(0.001)
        acks = replies(s, 3)
    assert [parse_segment(a).cn for a in acks] == ["9014"] * 3
    wait(lambda: running.committed("WQ01") >= 3, "three quantities of WQ01")


def test_refusals_are_answered_and_counted(running: RunningHub) -> None:
    before = running.rejects("wrong_password"), running.rejects("unknown_device")
    with dial(running.port) as s:
        s.sendall(frame(pw="bad") + frame(mn="NOSUCHMN"))
        answers = [parse_segment(a).cp for a in replies(s, 2)]
    assert answers == ["QnRtn=3", "QnRtn=4"]
    wait(lambda: (running.rejects("wrong_password"), running.rejects("unknown_device")) ==
         (before[0] + 1, before[1] + 1), "the refusals counted")


def test_silent_and_flooding_clients_do_not_block_a_station(running: RunningHub) -> None:
    silent = dial(running.port)
    flooder = dial(running.port)
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
        station.sendall(frame(mn=MN2, pw=PW2))
        assert parse_segment(replies(station, 1)[0]).cn == "9014"
    assert time.monotonic() - started < 2.0
    thread.join(10)
    stop.set()
    assert not thread.is_alive(), "the server did not close a client that sends only junk"
    silent.settimeout(IDLE_S * 5)
    assert silent.recv(10) == b"", "the server did not close an idle connection"
    silent.close()
    flooder.close()


def test_oversize_length_is_dropped_and_the_next_frame_read(running: RunningHub) -> None:
    before = running.rejects("oversize")
    with dial(running.port) as s:
        s.sendall(b"##9999" + b"a" * 200 + b"\r\n" + frame())
        assert parse_segment(replies(s, 1)[0]).cn == "9014"
    wait(lambda: running.rejects("oversize") == before + 1, "oversize counted")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(junk=st.binary(max_size=3000), chunk=st.integers(1, 512), cut=st.integers(0, 200))
def test_any_bytes_then_a_good_frame_on_a_new_connection(running: RunningHub, junk: bytes, chunk: int,
                                                         cut: int) -> None:
    mutated = bytearray(frame())
    if mutated:
        mutated[cut % len(mutated)] ^= 0x5A
    with dial(running.port) as s:
        data = junk + bytes(mutated)
        try:
            for i in range(0, len(data), chunk):
                s.sendall(data[i:i + chunk])
        except OSError:
            pass  # closed for junk: fine
    with dial(running.port) as s:
        s.sendall(encode(f"QN=1;ST=21;CN=2011;PW={PW2};MN={MN2};Flag=5;CP=&&DataTime=20261122100000;w01018-Rtd=1&&"))
        assert parse_segment(replies(s, 1)[0]).cn == "9014"
