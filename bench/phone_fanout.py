"""Dispatch fan-out: 2,000 patrol phones on /ws/phone, one dispatch to every team, time until each phone has it.

The hub runs in this process on a Mosquitto of its own; an alert is raised on RS01 and 2,000 phone sessions are
signed in through the dispatch service (one-time code, then sign-in), spread evenly over the town's 13 teams and
their members (so a member has several sessions). A separate process (spawned, so this one is measured alone)
opens one WebSocket per session with the `websockets` client, as a browser would (permessage-deflate), and
waits for each feed's hello. Then one POST /api/dispatches sends all 13 teams; each phone records when its own
team's assignment arrives, and keeps listening one more second for anything meant for another team.

Prints p50/p99/max of the time from the POST to each phone's assignment, the hub process's RSS, and last
phone_fanout_p99_ms. Linux: both processes read the same monotonic clock.
Run: .venv/bin/python bench/phone_fanout.py [--clients 2000] [--smoke]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import resource
import statistics
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from websockets.asyncio.client import ClientConnection, connect

from hub.app import Hub
from tests.support import Mosquitto, console_url, hub_settings, make_hub, publish_level, signed_in, wait_for

CONNECTING = 100  # handshakes in flight at once, well inside the listen backlog
LINGER_S = 1.0  # after the last phone has its job: time for anything misdelivered to show up


def raise_fd_limit(need: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        if hard != resource.RLIM_INFINITY and hard < need:
            sys.exit(f"need {need} open files, the hard limit is {hard}: raise it (ulimit -Hn) first")
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))


def rss_mib() -> tuple[float, float]:
    """This process's resident memory now and at its peak."""
    status = Path("/proc/self/status").read_text()
    now_kib = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
    return now_kib / 1024, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- the phones' process ----------------------------------------------------------------------------------------


def phones(ws_url: str, sessions: list[tuple[str, str]], pipe: Connection) -> None:
    """Process entry: connect every session, say ready, then send back what each phone received and when."""
    pipe.send(asyncio.run(_phones(ws_url, sessions, pipe)))


async def _phones(ws_url: str, sessions: list[tuple[str, str]], pipe: Connection) -> list[list[tuple[float, str]]]:
    gate = asyncio.Semaphore(CONNECTING)
    started = time.monotonic()
    sockets = await asyncio.gather(*(_open(f"{ws_url}ws/phone?token={token}", gate) for token, _ in sessions))
    pipe.send(("ready", time.monotonic() - started))
    received: list[list[tuple[float, str]]] = [[] for _ in sessions]
    got_job = [asyncio.Event() for _ in sessions]
    readers = [asyncio.create_task(_listen(ws, log, got)) for ws, log, got in zip(sockets, received, got_job,
                                                                                  strict=True)]
    with contextlib.suppress(TimeoutError):  # a phone without its job is reported, not waited for forever
        await asyncio.wait_for(asyncio.gather(*(got.wait() for got in got_job)), 60)
    pipe.send(("delivered", time.monotonic()))
    await asyncio.sleep(LINGER_S)
    for task in readers:
        task.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    await asyncio.gather(*(ws.close() for ws in sockets))
    return received


async def _open(url: str, gate: asyncio.Semaphore) -> ClientConnection:
    async with gate:
        ws = await connect(url, open_timeout=60, ping_interval=None, max_size=2**20)
        hello = json.loads(await ws.recv())
        assert hello["type"] == "hello", hello
        return ws


async def _listen(ws: ClientConnection, log: list[tuple[float, str]], got_job: asyncio.Event) -> None:
    """Note (arrival, team of the dispatch) of every assignment this phone hears of."""
    async for raw in ws:
        now = time.monotonic()
        message = json.loads(raw)
        if message["type"] == "dispatch" and message["entry"]["action"] == "assign":
            log.append((now, message["dispatch"]["team"]))
            got_job.set()


# --- the hub's process ------------------------------------------------------------------------------------------


async def sign_in(hub: Hub, count: int) -> list[tuple[str, str]]:
    """*count* phone sessions (token, team): team by team in turn, member by member within a team."""
    teams = hub.ctx.town.teams
    sessions = []
    for i in range(count):
        team = teams[i % len(teams)]
        member = f"{team.id}.{(i // len(teams)) % len(team.members) + 1}"
        code, _ = await hub.ctx.dispatch.login_code(member)
        token, _ref = await hub.ctx.dispatch.sign_in(code)
        sessions.append((token, team.id))
    return sessions


async def main(clients: int) -> None:
    raise_fd_limit(clients + 1024)
    with tempfile.TemporaryDirectory() as tmp:
        broker = Mosquitto(Path(tmp) / "mosquitto")
        broker.start()
        try:
            settings = hub_settings(Path(tmp) / "hub", broker.settings("5", "gridhub-bench"), health_check_s=5)
            async with make_hub(settings) as hub, httpx.AsyncClient(base_url=console_url(hub), timeout=30) as http:
                http.headers.update(await signed_in(hub))  # the duty officer who sends the dispatch
                await wait_for(lambda: hub.ctx.metrics.mqtt_up, what="hub connected")
                await publish_level(broker.port, "RS01", hub, 58.4)
                await wait_for(lambda: len(hub.ctx.alerts.book.open_alerts()) == 1, what="alert raised")
                alert_id = hub.ctx.alerts.book.open_alerts()[0].id
                started = time.monotonic()
                sessions = await sign_in(hub, clients)
                signing_s = time.monotonic() - started
                await run(hub, http, alert_id, sessions, signing_s)
        finally:
            broker.stop()


async def run(hub: Hub, http: httpx.AsyncClient, alert_id: int, sessions: list[tuple[str, str]],
              signing_s: float) -> None:
    here, there = multiprocessing.Pipe()
    process = multiprocessing.get_context("spawn").Process(
        target=phones, args=(console_url(hub).replace("http", "ws", 1), sessions, there), daemon=True)
    process.start()
    rss_alone, _ = rss_mib()
    _, connecting_s = await asyncio.to_thread(here.recv)
    rss_connected, _ = rss_mib()
    teams = [t.id for t in hub.ctx.town.teams]
    cpu, sent = time.process_time(), time.monotonic()
    made = await http.post("/api/dispatches", json={"alert_id": alert_id, "teams": teams,
                                                    "instructions": "全体队员沿河巡查"})
    answered_ms = (time.monotonic() - sent) * 1000
    made.raise_for_status()
    await asyncio.to_thread(here.recv)
    cpu_ms = (time.process_time() - cpu) * 1000  # the hub's, all threads: the phones are another process
    received: list[list[tuple[float, str]]] = await asyncio.to_thread(here.recv)
    await asyncio.to_thread(process.join, 30)
    rss_after, rss_peak = rss_mib()
    report(sessions, received, sent, signing_s, connecting_s, (answered_ms, cpu_ms),
           (rss_alone, rss_connected, rss_after, rss_peak))


def report(sessions: list[tuple[str, str]], received: list[list[tuple[float, str]]], sent: float,
           signing_s: float, connecting_s: float, ms: tuple[float, float], rss: tuple[float, ...]) -> None:
    wrong = sum(1 for (_, team), log in zip(sessions, received, strict=True) for _, other in log if other != team)
    twice = sum(1 for log in received if len(log) > 1)
    delays = sorted((log[0][0] - sent) * 1000 for log in received if log)
    p50, p99 = statistics.median(delays), delays[max(0, int(len(delays) * 0.99) - 1)]
    print(f"phones: {len(sessions):,} sessions over {len({t for _, t in sessions})} teams "
          f"(signed in in {signing_s:.1f} s, connected in {connecting_s:.1f} s)")
    print(f"dispatch: one POST for all teams, answered in {ms[0]:.0f} ms; "
          f"hub CPU from the POST until every phone had it: {ms[1]:.0f} ms")
    print(f"delivered: {len(delays):,}/{len(sessions):,} phones got their team's job; "
          f"another team's job: {wrong}; more than one: {twice}")
    print(f"from the POST to each phone: p50 {p50:.0f} ms, p99 {p99:.0f} ms, max {delays[-1]:.0f} ms")
    print(f"hub process RSS: {rss[0]:.0f} MiB before the phones, {rss[1]:.0f} MiB with every phone connected, "
          f"{rss[2]:.0f} MiB after the dispatch (peak {rss[3]:.0f} MiB)")
    print(f"phone_fanout_p99_ms: {p99:.0f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--smoke", action="store_true", help="26 phones, two per team: checks the bench runs")
    args = parser.parse_args()
    asyncio.run(main(26 if args.smoke else args.clients))
