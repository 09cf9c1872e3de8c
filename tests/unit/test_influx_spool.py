"""The Influx sink's disk spool: order, bounds, restarts, and the line protocol it holds."""

from __future__ import annotations

from pathlib import Path

from adapters.influx.lines import tag_sets, to_lines
from adapters.influx.spool import Spool
from hub.models import Quality, Reading
from tests.support import sample_town


def lines(start: int, n: int) -> bytes:
    return b"".join(b"m v=%d %d\n" % (i, i) for i in range(start, start + n))


def drain(spool: Spool, chunk: int = 100) -> bytes:
    got = b""
    while spool.backlog():
        body = spool.peek(chunk)
        got += body
        spool.ack(len(body))
    return got


def test_fifo_across_segments_and_restarts(tmp_path: Path) -> None:
    spool = Spool(tmp_path, max_bytes=1 << 20, segment_bytes=64)
    for i in range(0, 100, 10):
        assert spool.append(lines(i, 10))
    first = spool.peek(50)
    spool.ack(len(first))
    again = Spool(tmp_path, max_bytes=1 << 20, segment_bytes=64)  # a restart
    assert first + drain(again) == lines(0, 100)
    assert len(list(tmp_path.glob("*.lp"))) == 1 and again.backlog() == 0


def test_bounded_and_repaired_after_a_torn_write(tmp_path: Path) -> None:
    spool = Spool(tmp_path, max_bytes=100, segment_bytes=64)
    assert spool.append(lines(0, 5))
    assert not spool.append(lines(5, 50))  # over the bound: refused whole, nothing half-written
    tail = max(tmp_path.glob("*.lp"))
    with tail.open("ab") as f:
        f.write(b"m v=9 9")  # a crash in the middle of a line
    assert drain(Spool(tmp_path, max_bytes=100, segment_bytes=64)) == lines(0, 5)


def test_line_protocol_schema() -> None:
    town = sample_town().town
    readings = [Reading("WQ01", "cod", 12.5, "mg/L", 1795380000.123, Quality.FAULT),
                Reading("nobody", "hj212:w99 9", 3, "", 1795380000.0)]
    assert to_lines(readings, tag_sets(town)).decode().splitlines() == [
        'cod,device=WQ01,grid=G28,kind=water_quality,village=hetang quality="fault",value=12.5 1795380000123',
        'hj212:w99\\ 9,device=nobody quality="good",value=3.0 1795380000000']
