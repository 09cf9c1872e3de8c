"""The county hub every county test starts, and the town linked to it, each as its own process, ended at the end."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.county_support import County, Town


@pytest.fixture
def county(tmp_path: Path) -> Iterator[County]:
    made = County(tmp_path)
    try:
        yield made
    finally:
        made.hub.kill()  # its folder is the test's own
        made.close()


@pytest.fixture
def town(tmp_path: Path, county: County) -> Iterator[Town]:
    made = Town(tmp_path, county)
    try:
        yield made
    finally:
        made.hub.kill()  # its folder is the test's own
