"""Series store benchmark: the same readings written to SQLite and to PostgreSQL, in one run.

N readings (default 200,000) of 20 river stations (level, rain and battery: 3 readings a message),
spread over 30 days and committed in batches of 1,500 as the recorder commits them (500 messages
× 3 readings): to SqliteStore (synchronous=FULL, its default), to PgSeriesStore, and to
PgSeriesStore as an ingest worker runs it (with the ingest log). Then the p95 of series queries on
SQLite and PostgreSQL: 24 h of raw points, and 30 days in hourly buckets.

Prints rows/s and query p95s, and last series_pg_vs_sqlite: PostgreSQL's rows/s (without the log)
over SQLite's. PostgreSQL: --url, else GRIDHUB_BENCH_PG, else the local `test` database; the
bench works in schemas of its own there and drops them afterwards.
Run: .venv/bin/python bench/series_store.py [--readings 200000] [--url postgresql+psycopg://…] [--smoke]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

from adapters.pg_series import PgSeriesStore
from adapters.sqlite_store import SqliteStore
from hub.models import Reading
from hub.store import SeriesQuery, Store

STATIONS = 20
QUANTITIES = (("water_level", "m"), ("rainfall", "mm"), ("battery", "V"))
DAYS = 30
BATCH = 1500
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def batches(n: int, end: float) -> list[list[Reading]]:
    """*n* readings in time order, ending at *end*, cut into the recorder's commits."""
    messages = n // len(QUANTITIES)
    step = DAYS * 86400 / messages
    start = end - DAYS * 86400
    readings = [Reading(f"BS{i % STATIONS:02d}", q, 50.0 + (i % 97) / 10, unit, round(start + i * step, 3))
                for i in range(messages) for q, unit in QUANTITIES]
    return [readings[i:i + BATCH] for i in range(0, len(readings), BATCH)]


def write_rate(store: Store, work: list[list[Reading]]) -> float:
    """Rows/s of committing every batch of *work*."""
    started = time.perf_counter()
    for batch in work:
        store.write(batch, [], [])
    return sum(map(len, work)) / (time.perf_counter() - started)


def p95_ms(store: Store, queries: list[SeriesQuery]) -> float:
    """The 95th percentile of *queries*' durations."""
    took = []
    for query in queries:
        started = time.perf_counter()
        store.series(query)
        took.append(time.perf_counter() - started)
    return sorted(took)[math.ceil(0.95 * len(took)) - 1] * 1000


def query_sets(end: float, count: int) -> dict[str, list[SeriesQuery]]:
    stations = [f"BS{i % STATIONS:02d}" for i in range(count)]
    return {
        "24 h raw": [SeriesQuery(s, "water_level", end - 86400, end) for s in stations],
        "30 days every 3600 s": [SeriesQuery(s, "water_level", end - DAYS * 86400, end, every=3600,
                                             utc_offset=8 * 3600) for s in stations],
    }


@contextmanager
def pg_schema(url: str) -> Iterator[str]:
    """*url* narrowed to a new schema of its own, dropped afterwards."""
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def opened(make: Callable[[], Store]) -> Iterator[Store]:
    store = make()
    try:
        yield store
    finally:
        store.close()


def main(n: int, url: str, queries: int) -> None:
    end = float(int(time.time()) // 3600 * 3600)
    work = batches(n, end)
    sets = query_sets(end, queries)
    rates: dict[str, float] = {}
    p95: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp, opened(lambda: SqliteStore(Path(tmp) / "bench.sqlite3")) as lite:
        rates["sqlite"] = write_rate(lite, work)
        p95["sqlite"] = {name: p95_ms(lite, qs) for name, qs in sets.items()}
    with pg_schema(url) as schema_url, opened(lambda: PgSeriesStore(schema_url)) as pg:
        rates["postgres"] = write_rate(pg, work)
        p95["postgres"] = {name: p95_ms(pg, qs) for name, qs in sets.items()}
    with pg_schema(url) as schema_url, opened(lambda: PgSeriesStore(schema_url, ingest_log=True)) as pg:
        rates["postgres with ingest log"] = write_rate(pg, work)
    rows = sum(map(len, work))
    print(f"readings: {rows:,} ({STATIONS} stations × {len(QUANTITIES)} quantities over {DAYS} days, "
          f"{len(work)} commits of up to {BATCH:,})")
    print(f"sqlite (synchronous=FULL): {rates['sqlite']:,.0f} rows/s")
    print(f"postgres: {rates['postgres']:,.0f} rows/s")
    print(f"postgres with ingest log: {rates['postgres with ingest log']:,.0f} rows/s")
    for name in sets:
        print(f"series p95, {name}, {queries} queries: sqlite {p95['sqlite'][name]:.1f} ms, "
              f"postgres {p95['postgres'][name]:.1f} ms")
    print(f"series_pg_vs_sqlite: {rates['postgres'] / rates['sqlite']:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readings", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=200, help="queries of each kind for the p95")
    parser.add_argument("--url", default=os.environ.get("GRIDHUB_BENCH_PG", DEFAULT_PG),
                        help="PostgreSQL database (SQLAlchemy URL) to make the bench's schemas in")
    parser.add_argument("--smoke", action="store_true", help="a few thousand readings: checks the bench runs")
    args = parser.parse_args()
    if args.smoke:
        args.readings, args.queries = 3000, 10
    main(args.readings, args.url, args.queries)
