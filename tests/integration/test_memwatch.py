"""A hub asked to watch its memory writes where it goes to its data directory, and one not asked writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import hub_settings, make_hub, wait_for

pytestmark = pytest.mark.integration


async def test_a_hub_reports_its_memory_only_when_asked(tmp_path: Path) -> None:
    report = tmp_path / "watched" / "memwatch.txt"
    async with make_hub(hub_settings(tmp_path / "watched", None, memwatch_s=0.5)):
        await wait_for(lambda: report.exists() and report.read_text().count("=== ") >= 2, what="two samples")
    first = report.read_text().split("=== ")[1]
    assert "RSS" in first and "objects by type" in first
    async with make_hub(hub_settings(tmp_path / "quiet", None)):
        pass
    assert not (tmp_path / "quiet" / "memwatch.txt").exists()
