"""The SL 651 benchmark still runs: in its smoke size, as a subprocess, ending with its figure."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def test_sl651_bench_smoke() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "sl651.py"), "--frames", "200"],
                          capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(r"sl651_frames_per_s: \d+", done.stdout.splitlines()[-1])
