"""Shared fixtures: the machine's Mosquitto on 1883, or one we start when none listens."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import Mosquitto, listening


@pytest.fixture(scope="session")
def system_broker_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A real Mosquitto: the one on 127.0.0.1:1883 if it runs, else our own."""
    if listening(1883):
        yield 1883
        return
    broker = Mosquitto(tmp_path_factory.mktemp("mosquitto"))
    broker.start()
    yield broker.port
    broker.stop()


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[Mosquitto]:
    """A Mosquitto for this test alone, which the test may stop and restart."""
    broker = Mosquitto(tmp_path / "mosquitto")
    broker.start()
    yield broker
    broker.stop()
