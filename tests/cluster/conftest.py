"""The town of each cluster test: its processes on a Mosquitto of its own and a PostgreSQL schema of its own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cluster.support import Cluster
from tests.support import Mosquitto


@pytest.fixture
def cluster(tmp_path: Path, postgres_url: str, own_broker: Mosquitto) -> Iterator[Cluster]:
    town = Cluster(tmp_path, postgres_url, own_broker.port)
    try:
        yield town
    finally:
        town.kill_all()  # its schema and broker go next: a graceful stop (up to 3 s a console) would keep nothing
