"""The recorder keeps committing whatever else fails around it."""

from __future__ import annotations

import time
from collections.abc import Sequence

from hub.metrics import HubMetrics
from hub.models import DeadLetter, DeviceEvent, IngestBatch, Reading
from hub.recorder import Recorder
from hub.settings import RecorderSettings


class FlakyStore:
    """A store whose purge always fails and whose first write fails once."""

    def __init__(self) -> None:
        self.rows: list[Reading] = []
        self.write_failures = 1

    def write(self, readings: Sequence[Reading], dead_letters: Sequence[DeadLetter],
              events: Sequence[DeviceEvent]) -> None:
        if self.write_failures:
            self.write_failures -= 1
            raise OSError("database or disk is full")
        self.rows += readings

    def purge(self, before: float) -> int:
        raise OSError("disk I/O error")


def batch(i: int) -> IngestBatch:
    return IngestBatch((Reading("RS01", "water_level", 50.0, "m", 1000.0 + i),), messages=1)


def test_failures_around_commits_do_not_stop_the_recorder() -> None:
    store = FlakyStore()
    recorder = Recorder(store, RecorderSettings(), HubMetrics())  # type: ignore[arg-type]

    def broken_listener(_readings: list[Reading], _at: float) -> None:
        raise RuntimeError("listener bug")

    recorder.on_commit(broken_listener)
    recorder.start()
    for i in range(3):
        recorder.submit(batch(i))
        time.sleep(0.3)
    recorder.stop(timeout=10)
    assert [r.ts for r in store.rows] == [1000.0, 1001.0, 1002.0]
    assert store.write_failures == 0
