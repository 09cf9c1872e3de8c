"""The benchmarks still run: each in its smoke size, as a user runs it, ending with its figure.

Only that they run and print `name: number` last is checked here; what the figures are is the benchmarks' own
business (README, "Measured figures").
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
FIGURE = re.compile(r"[a-z][a-z0-9_]*: -?\d+(\.\d+)?")
CHROMIUM, JANUS = "/usr/bin/chromium", "/usr/bin/janus"  # what `bash scripts/setup --dev` installs


def smoke(bench: str, *extra: str) -> str:
    """Run `bench/<bench>.py --smoke` from the checkout; its last line of output."""
    done = subprocess.run([sys.executable, f"bench/{bench}.py", "--smoke", *extra], cwd=ROOT,
                          capture_output=True, text=True, timeout=150, check=False)
    assert done.returncode == 0, done.stderr[-4000:]
    lines = done.stdout.splitlines()
    assert lines, done.stderr[-4000:]
    return lines[-1]


@pytest.mark.parametrize(("bench", "name"), [
    ("alert_latency", "alert_latency_p99_ms"),
    ("broadcast", "broadcast_20_s"),
    ("cameras", "cameras_per_machine"),
    ("county_routing", "county_routing_up_p95_ms"),
    ("hj212", "hj212_frames_per_s"),
    ("ingest", "ingest_ratio"),
    ("phone_fanout", "phone_fanout_p99_ms"),
    ("register", "register_import_rows_per_s"),
    ("soak", "soak_rss_growth_pct"),
])
def test_bench_smoke(bench: str, name: str) -> None:
    last = smoke(bench)
    assert FIGURE.fullmatch(last) and last.startswith(f"{name}: "), last


@pytest.mark.skipif(not (os.access(CHROMIUM, os.X_OK) and os.access(JANUS, os.X_OK)),
                    reason="video calls need Debian's chromium and janus: bash scripts/setup --dev")
def test_call_join_bench_smoke() -> None:
    last = smoke("call_join")
    assert FIGURE.fullmatch(last) and last.startswith("call_join_p95_ms: "), last


def test_series_store_bench_smoke(postgres_url: str) -> None:
    database = postgres_url.split("?", 1)[0]  # the bench makes schemas of its own there
    last = smoke("series_store", "--url", database)
    assert re.fullmatch(r"series_pg_vs_sqlite: \d+\.\d\d", last)
