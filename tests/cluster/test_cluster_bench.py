"""bench/cluster.py still runs: its smoke size as a subprocess, ending with its figure."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]
ROOT = Path(__file__).resolve().parents[2]


def test_cluster_bench_smoke(postgres_url: str) -> None:
    database = postgres_url.split("?", 1)[0]  # the bench makes a schema of its own there for each run
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "cluster.py"), "--smoke", "--url", database],
                          capture_output=True, text=True, timeout=200, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert any(re.fullmatch(r"leader_failover_s: \d+\.\d", line) for line in lines), done.stdout
    assert any(re.search(r"p50 \d+\.\d ms, p99 \d+\.\d ms", line) for line in lines), done.stdout
    assert re.fullmatch(r"cluster_worker_efficiency: \d+\.\d\d", lines[-1]), done.stdout
