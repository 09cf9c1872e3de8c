"""The benchmarks still run: each in its smoke size, as a subprocess, ending with its figure."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def test_series_store_bench_smoke(postgres_url: str) -> None:
    database = postgres_url.split("?", 1)[0]  # the bench makes schemas of its own there
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "series_store.py"), "--smoke", "--url", database],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(r"series_pg_vs_sqlite: \d+\.\d\d", done.stdout.splitlines()[-1])
