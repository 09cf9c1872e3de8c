"""bench/faults.py still runs: its smoke size (300 readings, one kill -9, one broker restart), to its figure."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def test_faults_bench_smoke() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "faults.py"), "--smoke"],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert re.fullmatch(r"faults_readings_lost: \d+", done.stdout.splitlines()[-1])
