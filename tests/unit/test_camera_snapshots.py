"""Event snapshots in a folder several processes share: each purges only the cameras it reads."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from streams.config import SnapshotConfig
from streams.snapshots import SnapshotStore

DAY = 86400.0
NOW = 1_800_000_000.0


def test_a_purge_of_some_cameras_leaves_the_others_to_their_readers(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path, SnapshotConfig(retention_days=1))
    frame = np.zeros((18, 32, 3), np.uint8)
    for camera in ("CAM01", "CAM02"):
        assert store.save(camera, NOW - 2 * DAY, "motion", frame) is not None  # past its retention
        assert store.save(camera, NOW - 60, "motion", frame) is not None
    assert store.purge({"CAM01"}, now=NOW) == 1
    assert len(store.names("CAM01", 10)) == 1 and len(store.names("CAM02", 10)) == 2
    assert store.purge(None, now=NOW) == 1  # the one-process hub purges every camera
    assert len(store.names("CAM02", 10)) == 1
