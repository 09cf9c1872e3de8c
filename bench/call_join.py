"""Video dispatch at scale: 1 centre + 12 villages in one call, 360p, each page a headless Chromium with fake media.

The hub runs in this process (HTTPS, its own Janus, a Mosquitto of its own); a spawned process drives one
Chromium with one page per participant (a context each, signed in as the centre's duty officer or a cadre of
each of the town's 12 villages). The centre joins first, then each village in turn: a join's time is from the
click on 加入 to the first frame of anyone else on screen (requestVideoFrameCallback), with everyone before it
already in the call. Then, all in, a steady window: the hub's and Janus's CPU (their processes' CPU seconds over
the window's wall seconds, 100 % = one core) and the frames each page decoded per second and per stream.

Prints each join, p50/p95/max, the CPU figures, what the pages received, and last call_join_p95_ms.
Run: .venv/bin/python bench/call_join.py [--villages 12] [--window 20] [--smoke]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from playwright.async_api import Page, async_playwright

from hub.users.model import Role
from tests.e2e.call_support import call_page, encoded, frames, launch
from tests.support import PASSWORD, Mosquitto, account, console_url, hub_settings, make_hub, sample_town

TICK = os.sysconf("SC_CLK_TCK")
FIRST_FRAME_LIMIT_S = 60.0  # a join slower than this counts as never (inf)


def cpu_seconds(pid: int) -> float:
    """User and system CPU of process *pid* so far (and its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


# --- the browser's process --------------------------------------------------------------------------------------


def browser_side(base: str, call_id: int, users: list[str], pipe: Connection) -> None:
    asyncio.run(_browser_side(base, call_id, users, pipe))


async def _browser_side(base: str, call_id: int, users: list[str], pipe: Connection) -> None:
    problems: list[str] = []
    async with async_playwright() as playwright:
        browser = await launch(playwright)
        pages = [(await call_page(browser, base, user, PASSWORD, call_id, problems))[1] for user in users]
        joins = []
        for i, page in enumerate(pages):
            await page.locator("#join-button").click()
            if i > 0:  # the centre, alone at first, has nobody to see
                joins.append(await _first_frame(page))
        pipe.send(("joined", joins))
        pipe.recv()  # the window starts
        before, started = [await _decoded(p) for p in pages], time.monotonic()
        pipe.recv()  # the window ends
        after, wall = [await _decoded(p) for p in pages], time.monotonic() - started
        pipe.send(("decoded", [_rates(b, a, wall) for b, a in zip(before, after, strict=True)], problems))
        await browser.close()


async def _first_frame(page: Page) -> float:
    deadline = time.monotonic() + FIRST_FRAME_LIMIT_S
    while (ms := await page.evaluate("callState.firstFrameMs")) is None:
        if time.monotonic() > deadline:
            return float("inf")
        await asyncio.sleep(0.05)
    return float(ms)


async def _decoded(page: Page) -> dict[str, int]:
    """Frames decoded per stream received, and (as "sent") frames of the page's own camera encoded."""
    return {**await frames(page, "sub"), "sent": await encoded(page)}


def _rates(before: dict[str, int], after: dict[str, int], wall: float) -> dict[str, float]:
    return {k: (after[k] - before.get(k, 0)) / wall for k in after}


# --- the hub's process ------------------------------------------------------------------------------------------


async def run(villages: int, window: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        broker = Mosquitto(Path(tmp) / "mosquitto")
        broker.start()
        try:
            await _measure(Path(tmp), broker, villages, window)
        finally:
            broker.stop()


async def _measure(tmp: Path, broker: Mosquitto, villages: int, window: float) -> None:
    settings = hub_settings(tmp, broker.settings(), https={"hosts": ["127.0.0.1"]})
    async with make_hub(settings, sample_town()) as hub:
        base = console_url(hub)
        chosen = [v.id for v in hub.ctx.town.villages][:villages]
        users = [await account(hub), *[await account(hub, Role.cadre, v) for v in chosen]]
        async with httpx.AsyncClient(base_url=base, verify=False) as http:
            await http.post("/api/auth/login", json={"username": users[0], "password": PASSWORD})
            call = (await http.post("/api/calls", json={"title": "会商", "villages": chosen})).json()
        near, far = multiprocessing.get_context("spawn").Pipe()
        child = multiprocessing.get_context("spawn").Process(target=browser_side, args=(base, call["id"], users, far))
        child.start()
        _, joins = await asyncio.to_thread(near.recv)
        sfu = getattr(hub.ctx.calls, "sfu", None)
        janus_pid = sfu.process.process.pid if sfu and sfu.process and sfu.process.process else None
        near.send("start")
        hub0, janus0, wall0 = time.process_time(), cpu_seconds(janus_pid) if janus_pid else 0.0, time.monotonic()
        await asyncio.sleep(window)
        hub_cpu = (time.process_time() - hub0) / (time.monotonic() - wall0)
        janus_cpu = (cpu_seconds(janus_pid) - janus0) / (time.monotonic() - wall0) if janus_pid else float("nan")
        near.send("stop")
        _, rates, problems = await asyncio.to_thread(near.recv)
        child.join(60)
    report(joins, hub_cpu, janus_cpu, rates, problems, load=os.getloadavg())


def report(joins: list[float], hub_cpu: float, janus_cpu: float, rates: list[dict[str, float]],
           problems: list[str], load: tuple[float, float, float]) -> None:
    for i, ms in enumerate(joins, 1):
        print(f"join {i:2d} (with {i} in the call): {ms:.0f} ms")
    ordered = sorted(joins)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    print(f"join p50 {statistics.median(ordered):.0f} ms, p95 {p95:.0f} ms, max {ordered[-1]:.0f} ms")
    print(f"CPU over the window (100 % = one core): hub {hub_cpu * 100:.0f} %, janus {janus_cpu * 100:.0f} %")
    for who, page in zip(["centre", *[f"village {i}" for i in range(1, len(rates))]], rates, strict=True):
        received = [r for k, r in page.items() if k != "sent"]
        print(f"{who}: sent {page.get('sent', 0):.1f} frames/s; received {len(received)} streams, decoded "
              f"frames/s each: {', '.join(f'{r:.1f}' for r in received)}")
    sent = statistics.median(p.get("sent", 0.0) for p in rates)
    decoded = statistics.median(r for p in rates for k, r in p.items() if k != "sent")
    print(f"median frames/s: sent {sent:.1f}, decoded per stream {decoded:.1f} (the pages ask their cameras for 15)")
    print(f"load average at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; page errors: {problems or 'none'}")
    print(f"call_join_p95_ms: {p95:.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--villages", type=int, default=12, help="village participants besides the centre")
    parser.add_argument("--window", type=float, default=20.0, help="seconds of the steady window")
    parser.add_argument("--smoke", action="store_true", help="the centre and one village, 2 s: checks it runs")
    args = parser.parse_args()
    if args.smoke:
        args.villages, args.window = 1, 2.0
    asyncio.run(run(args.villages, args.window))


if __name__ == "__main__":
    main()
