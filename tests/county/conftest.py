"""The county hub every county test starts, as its own process, stopped at the end."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.county_support import County


@pytest.fixture
def county(tmp_path: Path) -> Iterator[County]:
    made = County(tmp_path)
    try:
        yield made
    finally:
        made.hub.kill()  # its folder is the test's own
        made.close()
