"""Register benchmark: importing the sample register from XLSX, and searching it, at 100,000 people.

The sample town's fictional register (hub/register/sample.py) scaled to N people is written as the town's people
sheet (实有人口, XLSX), then imported as a clerk does: the dry run's checks and the commit, from the file's bytes to
the last row committed (ID numbers and phones encrypted, their digests computed). Then the duty officer's searches
over the whole town, each as the console runs it (decrypting and masking what it finds): by a name, by the last 4
digits of an ID number, and by a phone.

Prints the import rate (by the clock, and per second of this process's CPU, which a busy machine does not
change) and each search's p50/p95; last, `register_import_rows_per_s` by the clock.
Run: .venv/bin/python bench/register.py [--people 100000] [--url postgresql+psycopg://…] [--smoke]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from adapters.register_store import SqlRegisterStore
from hub.register.crypto import RegisterCipher, new_key, parse_key
from hub.register.imports import check, commit
from hub.register.model import Labelled
from hub.register.sample import SAMPLE_TOWN_PEOPLE, SEEDS_SCALE, sample_register
from hub.register.service import RegisterService
from hub.register.sheets import PEOPLE, write_xlsx
from hub.users.model import Principal, Role
from tests.support import sample_town

TOWN = sample_town().town
OFFICER = Principal("duty", "张伟", Role.officer)


def sheet(people: int) -> tuple[bytes, list[list[str]]]:
    sample = sample_register(TOWN, scale=SEEDS_SCALE * people / SAMPLE_TOWN_PEOPLE)
    rows = [[(v.label if isinstance(v, Labelled) else v or "") for v in (getattr(p, c.field) for c in PEOPLE)]
            for p in sample.people]
    return write_xlsx("实有人口", [c.title for c in PEOPLE], rows), rows


def timed(queries: list[str], search: Callable[[str], int]) -> tuple[float, float, int]:
    """p50 and p95 in ms, and how many searches found nobody."""
    times, empty = [], 0
    for query in queries:
        started = time.perf_counter()
        empty += search(query) == 0
        times.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(times, n=20)
    return statistics.median(times), cuts[18], empty


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--searches", type=int, default=300)
    parser.add_argument("--url", help="the state database (default: SQLite in a temporary folder)")
    parser.add_argument("--smoke", action="store_true", help="2,000 people, 40 searches of each kind")
    args = parser.parse_args()
    people, searches = (2_000, 40) if args.smoke else (args.people, args.searches)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'state.sqlite3'}"
        data, rows = sheet(people)
        print(f"sheet: {len(rows)} people, {len(data) / 1e6:.1f} MB XLSX")
        store = SqlRegisterStore(url)
        service = RegisterService(store, RegisterCipher(parse_key(new_key())), TOWN)
        try:
            started, cpu = time.perf_counter(), time.process_time()
            report = commit(service, OFFICER, check(service, OFFICER, "people", data, "人口.xlsx"))
            took, cpu = time.perf_counter() - started, time.process_time() - cpu
            print(f"import: {report.added} added, {report.rejected} rejected in {took:.1f} s, {cpu:.1f} s of CPU "
                  f"({report.added / cpu:.0f} rows per CPU second); load average {os.getloadavg()[0]:.1f} "
                  f"on {os.cpu_count()} cores")
            rng = random.Random(7)
            picked = rng.sample(rows, min(searches, len(rows)))
            kinds = {"name": [r[0] for r in picked], "id_last4": [r[2][-4:] for r in picked],
                     "phone": [r[3] for r in rng.sample([r for r in rows if r[3]], len(picked))]}
            for kind, queries in kinds.items():
                p50, p95, empty = timed(queries, lambda q: len(service.search(OFFICER, q)))
                print(f"search by {kind}: p50 {p50:.1f} ms, p95 {p95:.1f} ms ({empty} found nobody)")
        finally:
            store.close()
    print(f"register_import_rows_per_s: {report.added / took:.0f}")


if __name__ == "__main__":
    main()
