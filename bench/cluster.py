"""Cluster benchmark: one queued backlog through 1, 2 and 3 ingest workers, the leader's failover, and alert latency
across processes (`gridhub run --role …` as separate OS processes on a private Mosquitto and PostgreSQL schema).

(a) Per-worker efficiency. The bench town is the sample town plus river stations (BG001…) on their own topics,
    levels far below their warning lines. Each run starts on a fresh schema and broker: one core, N ingest workers.
    Once every share is leased and one report per station is stored, the workers are frozen (SIGSTOP: their broker
    sessions and leases stay), the backlog is published with QoS 1 and queued by Mosquitto, and the workers are
    thawed. Their CPU-seconds (utime + stime from /proc) are counted from the thaw until the last report is stored,
    so the figure is the ingest work, not the 2-core machine's wall time. Efficiency with N workers is messages per
    worker CPU-second relative to one worker: cpu(1) / sum of cpu(N).
(b) Alert latency. In the 2-worker run, with two core processes and a console: a report on RS01 alternating between
    its guarantee and warning levels, published at the ingest worker's broker, until the alert's change arrives on
    the console process's /ws/alerts (served there from the leader's relayed feed) and, for comparison, on the
    leader's own (each signed in as a browser is: cookie and Origin of the page); their difference is the relay's.
(c) leader_failover_s. The leader is killed with -9; seconds until an acknowledgement through the console succeeds.

Last line: cluster_worker_efficiency, the 2-worker value (the 3-worker one is printed above it).
Run: .venv/bin/python bench/cluster.py [--messages 60000] [--stations 200] [--smoke]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
import paho.mqtt.client as mqtt
import sqlalchemy as sa
import websockets
from paho.mqtt.enums import CallbackAPIVersion

from hub.settings import DEFAULT_TOWN
from hub.shards import wanted
from tests.cluster.support import Cluster, signed_in, wait_led
from tests.support import Mosquitto, Publisher, free_port

DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SHARDS = 16
PROBE_TOPIC = "hy/HY230101/up"  # RS01: guarantee level 59.5 m, warning level 58.0 m
RED_CM, ORANGE_CM = 5960, 5850
PROBE_INTERVAL_S = 0.3
REPORTS = sa.text("SELECT count(*) FROM gridhub_readings r JOIN gridhub_series s ON s.id = r.series "
                  "WHERE s.quantity = 'water_level' AND s.device LIKE 'BG%'")


@dataclass(frozen=True)
class Drain:
    """One run of the backlog: how many workers, their CPU-seconds over the drain, and its wall time."""

    workers: int
    messages: int
    cpu_s: float
    wall_s: float
    commits: int

    @property
    def per_cpu_s(self) -> float:
        return self.messages / self.cpu_s


def bench_town(folder: Path, stations: int) -> Path:
    """The sample town with *stations* extra river stations and the HJ 212 listener on a free port."""
    extra = "".join(
        f"  - id: BG{i:03d}\n    name: 压测水位站{i:03d}\n    kind: river_station\n    adapter: json\n"
        f"    profile: hy-level\n    address: \"BG{i:04d}\"\n    topic: \"bench/BG{i:03d}/up\"\n"
        f"    levels: {{warning_level: 90.0, guarantee_level: 95.0}}\n    location: [113.0665, 27.2153]\n"
        f"    grid: G19\n" for i in range(1, stations + 1))
    text = DEFAULT_TOWN.read_text(encoding="utf-8")
    text = text.replace("\ndevices:\n", "\ndevices:\n" + extra, 1)
    text = text.replace("port: 9212}", f"port: {free_port()}}}", 1)  # several runs may share the machine
    text = text.replace("port: 9651}", f"port: {free_port()}}}", 1)
    path = folder / "bench-town.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@contextlib.contextmanager
def fresh_cluster(folder: Path, database: str, town: Path) -> Iterator[Cluster]:
    """A cluster on a schema and a broker of its own, both gone afterwards."""
    schema = f"clusterbench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(database, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    broker = Mosquitto(folder / "mosquitto")
    broker.start()
    cluster = Cluster(folder, f"{database}?options=-csearch_path%3D{schema}", broker.port, shards=SHARDS,
                      town=town, extra_env={"GRIDHUB_HEALTH_CHECK_S": "5"})
    try:
        yield cluster
    finally:
        cluster.kill_all()  # the schema and broker go too: no need to wait for a graceful stop
        broker.stop()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def until(check: object, timeout: float, what: str, every: float = 0.2) -> float:
    started = time.monotonic()
    while not check():  # type: ignore[operator]
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"not within {timeout} s: {what}")
        time.sleep(every)
    return time.monotonic() - started


def stored_reports(cluster: Cluster) -> int:
    return count(cluster, "gridhub_readings", REPORTS)


def commits(cluster: Cluster) -> int:
    """Transactions the workers have committed: each adds one entry to the ingest log."""
    return count(cluster, "gridhub_ingest_log", sa.text("SELECT count(*) FROM gridhub_ingest_log"))


def count(cluster: Cluster, table: str, query: sa.TextClause) -> int:
    engine = sa.create_engine(cluster.state_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            if conn.execute(sa.text(f"SELECT to_regclass('{table}')")).scalar() is None:
                return 0
            return int(conn.execute(query).scalar() or 0)
    finally:
        engine.dispose()


def publish(port: int, reports: list[tuple[str, bytes]]) -> None:
    """Every report with QoS 1, returning once the broker has acknowledged them all."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-stations-{uuid.uuid4().hex[:6]}")
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.connect("127.0.0.1", port)
    client.loop_start()
    sent = [client.publish(topic, body, qos=1) for topic, body in reports]
    for info in sent:
        info.wait_for_publish(60)
    client.disconnect()
    client.loop_stop()


def reports(stations: int, per_station: int, first_ms: int) -> list[tuple[str, bytes]]:
    """*per_station* reports of each station, one second apart from *first_ms*, stations interleaved."""
    return [(f"bench/BG{s:03d}/up", b'{"ts":%d,"wl":%d,"volt":12.6}' % (first_ms + i * 1000, 5000 + (i + s) % 300))
            for i in range(per_station) for s in range(1, stations + 1)]


def start_town(cluster: Cluster, workers: int, cores: int, consoles: int) -> list[str]:
    names = [f"w{i}" for i in range(1, workers + 1)]
    for name in names:
        cluster.start("ingest", name)
    for i in range(1, cores + 1):
        cluster.start("core", f"c{i}")
    for i in range(1, consoles + 1):
        cluster.start("console", f"k{i}")
    until(lambda: cluster.leader() is not None, 120, "a leader")
    balanced = {name: len(wanted(name, names, SHARDS)) for name in names}  # as the leases will settle
    until(lambda: cluster.shares_held() == balanced, 60, "every share held by the worker it belongs to")
    for i in range(1, consoles + 1):
        cluster.wait_listening(f"k{i}")
        wait_led(cluster.url(f"k{i}"))
    return names


def warm_up(cluster: Cluster, first: list[tuple[str, bytes]]) -> None:
    """One report of every station stored: every share's session subscribed, every series made.

    A share's lease comes before its broker session, and what is published before the session subscribes is not
    kept for it, so the reports go again until all are stored (the same report stored twice is one row)."""
    deadline = time.monotonic() + 120
    while True:
        publish(cluster.broker_port, first)
        with contextlib.suppress(TimeoutError):
            until(lambda: stored_reports(cluster) == len(first), 5, "one report of every station stored")
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"only {stored_reports(cluster)} of {len(first)} stations' first report stored")


def drain(cluster: Cluster, names: list[str], stations: int, messages: int) -> Drain:
    per_station = messages // stations
    first_ms = int(time.time() * 1000) - (per_station + 10) * 1000
    warm_up(cluster, reports(stations, 1, first_ms - 1000))
    for name in names:
        cluster.pause(name)
    publish(cluster.broker_port, reports(stations, per_station, first_ms))
    cpu = {name: cluster.cpu_seconds(name) for name in names}
    logged = commits(cluster)
    started = time.monotonic()
    for name in names:
        cluster.resume(name)
    until(lambda: stored_reports(cluster) >= stations * (per_station + 1), 600, "the backlog stored", every=0.1)
    wall = time.monotonic() - started
    used = sum(cluster.cpu_seconds(name) - cpu[name] for name in names)
    return Drain(len(names), stations * per_station, used, wall, commits(cluster) - logged)


def run(database: str, workers: int, stations: int, messages: int, probes: int) -> Drain:
    with tempfile.TemporaryDirectory(prefix="clusterbench-") as tmp:
        folder = Path(tmp)
        with fresh_cluster(folder, database, bench_town(folder, stations)) as cluster:
            extra = probes > 0
            if extra:
                cluster.create_admin()
            names = start_town(cluster, workers, cores=2 if extra else 1, consoles=1 if extra else 0)
            result = drain(cluster, names, stations, messages)
            print(f"{workers} worker(s): {result.messages:,} messages in {result.wall_s:.1f} s, "
                  f"{result.cpu_s:.2f} worker CPU-s, {result.per_cpu_s:,.0f} messages per worker CPU-s, "
                  f"{result.commits} commits", flush=True)
            if extra:
                latency_and_failover(cluster, probes)
    return result


def latency_and_failover(cluster: Cluster, probes: int) -> None:
    leader = cluster.leader()
    assert leader is not None
    on_console, on_leader = asyncio.run(probe_latencies(cluster, "k1", leader, probes))
    for where, delays in (("a console's", on_console), ("the leader's", on_leader)):
        ordered = sorted(delays)
        p50, p99 = statistics.median(ordered) * 1000, ordered[max(0, int(len(ordered) * 0.99) - 1)] * 1000
        print(f"alert latency, publish to {where} websocket, {len(ordered)} crossings: "
              f"p50 {p50:.1f} ms, p99 {p99:.1f} ms", flush=True)
    relay = sorted(c - lead for c, lead in zip(on_console, on_leader, strict=True))
    print(f"the relay's part (console minus leader, the same crossing): p50 {statistics.median(relay) * 1000:.1f} ms,"
          f" p99 {relay[max(0, int(len(relay) * 0.99) - 1)] * 1000:.1f} ms", flush=True)
    print(f"leader_failover_s: {failover_seconds(cluster, 'k1'):.1f}", flush=True)


async def probe_latencies(cluster: Cluster, console: str, leader: str, count: int) -> tuple[list[float], list[float]]:
    """Seconds from publishing each crossing on RS01 to its alert message on *console*'s /ws/alerts (served there
    from the relayed feed) and on the *leader*'s own."""
    client = signed_in(cluster.url(console))
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    client.close()
    publisher = await Publisher.open(cluster.broker_port, f"bench-probe-{uuid.uuid4().hex[:6]}")
    delays: tuple[list[float], list[float]] = ([], [])
    bases = (cluster.url(console), cluster.url(leader))
    async with contextlib.AsyncExitStack() as stack:
        sockets = [await stack.enter_async_context(websockets.connect(  # type: ignore[arg-type]
            "ws" + base.removeprefix("http") + "/ws/alerts", additional_headers={"Cookie": cookie}, origin=base))
            for base in bases]
        for ws in sockets:
            json.loads(await ws.recv())  # the snapshot
        for i in range(count):
            level_cm = (RED_CM if i % 2 == 0 else ORANGE_CM) + i % 30
            sent = time.perf_counter()
            publisher.publish(PROBE_TOPIC, b'{"ts":%d,"wl":%d}' % (int(time.time() * 1000), level_cm))
            arrived = await asyncio.gather(*(_arrival(ws, level_cm) for ws in sockets))
            for found, at in zip(delays, arrived, strict=True):
                found.append(at - sent)
            await asyncio.sleep(PROBE_INTERVAL_S)
    await publisher.aclose()
    return delays


async def _arrival(ws: websockets.ClientConnection, level_cm: int) -> float:
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if message["type"] == "alert" and message["alert"]["value"] == level_cm / 100:
            return time.perf_counter()


def failover_seconds(cluster: Cluster, console: str) -> float:
    """Seconds from the leader's kill -9 until an acknowledgement of RS01's alert through *console* succeeds."""
    with contextlib.closing(signed_in(cluster.url(console))) as client:
        alert = client.get("/api/alerts", params={"device": "RS01", "state": "open"}).json()[0]
        leader = cluster.leader()
        assert leader is not None
        started = time.monotonic()
        cluster.kill(leader)
        while True:
            with contextlib.suppress(httpx.HTTPError):
                answer = client.post(f"/api/alerts/{alert['id']}/acknowledge", json={"note": "failover"})
                if answer.status_code == 200:
                    return time.monotonic() - started
            if time.monotonic() - started > 60:
                raise TimeoutError(f"no leader acted within 60 s\n{cluster.log(leader)}")
            time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=60_000, help="reports in the backlog (QoS 1)")
    parser.add_argument("--stations", type=int, default=200, help="river stations the reports come from")
    parser.add_argument("--probes", type=int, default=100, help="warning-line crossings for the alert latency")
    parser.add_argument("--workers", type=int, default=3, help="runs with 1 … this many ingest workers")
    parser.add_argument("--url", default=DATABASE, help="PostgreSQL database (a schema of its own per run)")
    parser.add_argument("--smoke", action="store_true", help="a few thousand reports, 1 and 2 workers, 10 probes")
    args = parser.parse_args()
    if args.smoke:
        args.messages, args.stations, args.probes, args.workers = 3000, 30, 10, 2
    print(f"backlog: {args.messages:,} reports (QoS 1) from {args.stations} stations, {SHARDS} shares", flush=True)
    drains = [run(args.url, n, args.stations, args.messages, args.probes if n == 2 else 0)
              for n in range(1, args.workers + 1)]
    single = drains[0].per_cpu_s
    for result in drains[1:]:
        print(f"efficiency with {result.workers} workers: {result.per_cpu_s / single:.2f}")
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    two = next((d for d in drains if d.workers == 2), drains[-1])
    print(f"cluster_worker_efficiency: {two.per_cpu_s / single:.2f}")


if __name__ == "__main__":
    main()
