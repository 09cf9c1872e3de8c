"""The opt-in memory report names what grew between its samples."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from hub.memwatch import MemWatch


class Kept:
    """Something a leak would keep."""


def test_a_type_and_a_place_that_grow_are_named(tmp_path: Path) -> None:
    watch = MemWatch(tmp_path / "memwatch.txt", 60.0, frames=4)
    tracemalloc.start(4)
    try:
        watch.sample()
        kept = [Kept() for _ in range(5000)]
        watch.sample()
        kept += [Kept() for _ in range(5000)]
        report = watch.sample()
    finally:
        tracemalloc.stop()
    assert len(kept) == 10_000
    grown = next(line for line in report.splitlines() if line.strip().startswith("Kept "))
    assert int(grown.split()[-1]) >= 10_000
    since_first = report.split("grown since the first sample:")[1].split("grown since the previous")[0]
    assert "test_memwatch.py" in since_first.splitlines()[2]
