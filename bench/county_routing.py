"""County routing benchmark: cases routed from a county hub to a town hub and accepted there, both as processes.

A county hub and the sample town (青溪镇) run as `gridhub run` processes on loopback, linked over HTTPS with mutual
TLS, the town with the link's default `poll_s` (15 s) and its summary every 2 s. For each of N cases the county
routes it (POST /api/county/intake/{id}/route) and the bench times until the town's console lists it; then the
town's officer accepts it and the bench times until the county shows it accepted.

Prints p50/p95/max each way; last, `county_routing_up_p95_ms` (accepted at the town → accepted at the county).
Run: .venv/bin/python bench/county_routing.py [--routings 20] [--smoke]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.county_support import County, Town, wait_until


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def route_and_accept(county: County, console: httpx.Client, n: int) -> tuple[float, float]:
    """One case: seconds from the county's routing to the town's list, and from the acceptance to the county's."""
    taken = county.http.post("/api/county/intake", json={
        "category": "roads", "title": f"护栏断裂 {n}", "matter": "石门桥护栏断裂", "received_by": "县12345中心"})
    assert taken.status_code == 201, taken.text
    case = taken.json()

    def at_town() -> list[dict[str, object]]:
        return [r for r in console.get("/api/county/routed-cases").json() if r["case"]["case_id"] == case["id"]]
    start = time.monotonic()
    routed = county.http.post(f"/api/county/intake/{case['id']}/route", json={"town": "qingxi", "by": "x"})
    assert routed.status_code == 200, routed.text
    wait_until(lambda: bool(at_town()), 60, "the case at the town")
    down = time.monotonic() - start
    start = time.monotonic()
    assert console.post(f"/api/county/routed-cases/{at_town()[0]['seq']}/accept", json={}).status_code == 200
    wait_until(lambda: county.get(f"/api/county/intake/{case['id']}")["case"]["state"] == "accepted", 60,
               "the acceptance at the county")
    return down, time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--routings", type=int, default=20)
    parser.add_argument("--smoke", action="store_true", help="3 routings: that it runs; the figure means nothing")
    args = parser.parse_args()
    routings = 3 if args.smoke else args.routings
    workdir = Path(tempfile.mkdtemp(prefix="county-routing-"))
    county = County(workdir)
    town = Town(workdir, county)
    town.section["poll_s"] = 15.0  # the link's default: a routing waits at most for the town's next request
    town.linked(True)
    try:
        county.hub.start()
        town.create_admin()
        town.hub.start()
        console = town.signed_in()
        times = [route_and_accept(county, console, n) for n in range(routings)]
        console.close()
    finally:
        town.hub.stop()
        county.close()
    for name, values in (("routed → at the town", [d for d, _ in times]), ("accepted → at the county",
                                                                           [u for _, u in times])):
        print(f"{name}: p50 {statistics.median(values) * 1000:.0f} ms, p95 {p95(values) * 1000:.0f} ms, "
              f"max {max(values) * 1000:.0f} ms ({routings} cases)")
    print(f"county_routing_up_p95_ms: {p95([u for _, u in times]) * 1000:.0f}")


if __name__ == "__main__":
    main()
