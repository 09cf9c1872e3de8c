"""Where a long-running hub's memory goes: an opt-in report, appended to <data_dir>/memwatch.txt every few minutes.

Each sample gives the resident memory, the Python objects by type that grew most since the first sample, and,
with `memwatch_frames` > 0, tracemalloc's places (grouped by traceback) that grew most since the first sample and
since the previous one. A place that grows at every sample, by a count proportional to the messages or the
minutes, is what keeps memory: compare two samples minutes apart. Tracing slows every allocation (roughly
two to three times): it is for diagnosis, never on by default.
"""

from __future__ import annotations

import asyncio
import gc
import linecache
import time
import tracemalloc
from collections import Counter
from pathlib import Path

TOP = 25


def rss_mib() -> float:
    """This process's resident memory (VmRSS), in MiB; 0 where /proc is missing."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return 0.0
    return next((int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmRSS:")), 0.0)


def object_counts() -> Counter[str]:
    """Live objects the collector tracks, by type name."""
    return Counter(type(o).__qualname__ for o in gc.get_objects())


def grown_types(first: Counter[str], now: Counter[str], top: int = TOP) -> list[tuple[str, int, int]]:
    """(type, count now, growth since *first*) of the *top* types that grew most."""
    growth = sorted(((name, n, n - first.get(name, 0)) for name, n in now.items()), key=lambda t: -t[2])
    return [g for g in growth[:top] if g[2] > 0]


def grown_places(first: tracemalloc.Snapshot, now: tracemalloc.Snapshot, top: int = TOP) -> list[str]:
    """The *top* tracebacks whose memory grew most from *first* to *now*, formatted, most recent call first."""
    lines: list[str] = []
    for stat in now.compare_to(first, "traceback")[:top]:
        lines.append(f"  {stat.size_diff / 1024:+9.0f} KiB {stat.count_diff:+8d} blocks "
                     f"({stat.size / 1024:.0f} KiB, {stat.count} blocks now)")
        lines.extend(f"      {line}" for line in stat.traceback.format(limit=8, most_recent_first=True))
    return lines


class MemWatch:
    """Samples this process's memory every *every_s* into *path*, from the first sample on."""

    def __init__(self, path: Path, every_s: float, frames: int) -> None:
        self.path = path
        self.every_s = every_s
        self.frames = frames
        self._first_types: Counter[str] | None = None
        self._first: tracemalloc.Snapshot | None = None
        self._previous: tracemalloc.Snapshot | None = None
        self._started = time.monotonic()

    async def run(self) -> None:
        if self.frames and not tracemalloc.is_tracing():
            tracemalloc.start(self.frames)
        try:
            while True:
                await asyncio.sleep(self.every_s)
                report = await asyncio.to_thread(self.sample)
                await asyncio.to_thread(self._append, report)
        finally:
            if self.frames:
                tracemalloc.stop()

    def sample(self) -> str:
        """One sample's report (the first is the baseline the later ones are compared with)."""
        minutes = (time.monotonic() - self._started) / 60
        lines = [f"=== {time.strftime('%Y-%m-%dT%H:%M:%S')} minute {minutes:.1f}: RSS {rss_mib():.1f} MiB"]
        types = object_counts()
        self._first_types = self._first_types or types
        lines.append("objects by type, grown since the first sample (type, now, growth):")
        lines.extend(f"  {name} {n} {grown:+d}" for name, n, grown in grown_types(self._first_types, types))
        if self.frames:
            lines.extend(self._traced())
        return "\n".join(lines) + "\n"

    def _traced(self) -> list[str]:
        # Not the report's own doing: tracemalloc's bookkeeping, and the source lines formatting a traceback reads.
        ours = [tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, linecache.__file__)]
        snapshot = tracemalloc.take_snapshot().filter_traces(ours)
        lines = [f"traced: {tracemalloc.get_traced_memory()[0] / 2**20:.1f} MiB"]
        if self._first is not None and self._previous is not None:
            lines += ["grown since the first sample:", *grown_places(self._first, snapshot)]
            lines += ["grown since the previous sample:", *grown_places(self._previous, snapshot, 10)]
        self._first = self._first or snapshot
        self._previous = snapshot
        return lines

    def _append(self, report: str) -> None:
        with self.path.open("a", encoding="utf-8") as out:
            out.write(report)
