"""Console processes serve pages, reads and live feeds themselves, from shared state and the leader's relayed feeds."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import websockets
from sqlalchemy.pool import NullPool

from tests.cluster.support import Cluster, signed_in, wait_led
from tests.support import Publisher

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]
STATIONS = {"RS01": "hy/HY230101/up", "RS02": "hy/HY230102/up"}  # RS01 in 石门 (shimen), RS02 in 柳湾 (liuwan)
CALM_CM, FLOOD_CM = 5000, 5960  # RS01's guarantee level is 59.5 m, RS02's 58.8 m


@dataclass
class Socket:
    """A page's socket to a console: every message with the monotonic time it came, and how it ended."""

    ws: websockets.ClientConnection
    messages: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    task: asyncio.Task[None] | None = None

    async def _read(self) -> None:
        async for raw in self.ws:
            self.messages.append((time.monotonic(), json.loads(raw)))

    async def wait_for(self, check: Any, timeout: float, what: str) -> tuple[float, dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while True:
            found = next(((t, m) for t, m in self.messages if check(m)), None)
            if found is not None:
                return found
            assert self.task is not None and not self.task.done(), f"socket closed ({self.ws.close_code}) before {what}"
            assert time.monotonic() < deadline, f"not within {timeout} s: {what}; got {self.kinds()}"
            await asyncio.sleep(0.01)

    def kinds(self) -> list[str]:
        return [m["type"] for _, m in self.messages]

    def seqs(self) -> list[int]:
        return [m["seq"] for _, m in self.messages if m["type"] == "alert"]


@asynccontextmanager
async def socket(client: httpx.Client, path: str) -> AsyncIterator[Socket]:
    """*path* opened as the console's page opens it: its session cookie, the console's own Origin."""
    base = str(client.base_url).rstrip("/")
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    async with websockets.connect("ws" + base.removeprefix("http") + path, additional_headers={"Cookie": cookie},
                                  origin=base) as ws:  # type: ignore[arg-type]
        opened = Socket(ws)
        opened.task = asyncio.create_task(opened._read())
        try:
            yield opened
        finally:
            opened.task.cancel()


def start(cluster: Cluster, processes: list[tuple[str, str]]) -> None:
    cluster.create_admin()
    for role, name in processes:
        cluster.start(role, name)
    consoles = [name for role, name in processes if role == "console"]
    for name in consoles:
        cluster.wait_listening(name)
    for name in consoles:
        wait_led(cluster.url(name))


def level(ts: float, cm: int) -> bytes:
    return b'{"ts":%d,"wl":%d}' % (int(ts * 1000), cm)


def stored(client: httpx.Client, device: str) -> int:
    r = client.get("/api/readings", params={"device": device, "quantity": "water_level", "start": time.time() - 600})
    return len(r.json()["points"]) if r.status_code == 200 else 0


async def warm_up(cluster: Cluster, client: httpx.Client, publisher: Publisher, devices: list[str]) -> None:
    """A calm report of each station stored: the worker's share sessions are subscribed (what comes before is not
    kept for them)."""
    deadline = time.monotonic() + 60
    while not all(stored(client, d) for d in devices):
        assert time.monotonic() < deadline, "no report stored within 60 s"
        for device in devices:
            publisher.publish(STATIONS[device], level(time.time(), CALM_CM))
        await asyncio.sleep(1)


def transitions(cluster: Cluster) -> list[int]:
    with sa.create_engine(cluster.state_url, poolclass=NullPool).connect() as conn:
        return list(conn.execute(sa.text("SELECT seq FROM gridhub_alert_transitions ORDER BY seq")).scalars())


def raised(device: str) -> Any:
    return lambda m: m["type"] == "alert" and m["action"] == "raise" and m["alert"]["device"] == device


async def test_each_console_serves_reads_and_live_alerts_itself_and_through_a_failover(cluster: Cluster) -> None:
    start(cluster, [("ingest", "w1"), ("core", "c1"), ("core", "c2"), ("console", "k1"), ("console", "k2")])
    a = signed_in(cluster.url("k1"))  # the session is made through console A (the leader signs in)
    b = httpx.Client(base_url=cluster.url("k2"), timeout=5, cookies=a.cookies, headers={"Origin": cluster.url("k2")})
    publisher = await Publisher.open(cluster.broker_port, "feeds-test-station")
    try:
        await warm_up(cluster, b, publisher, ["RS01"])
        leader = cluster.leader()
        assert leader is not None
        cluster.pause(leader)  # nothing passed to the leader could answer now
        try:
            assert stored(b, "RS01") > 0  # B accepts A's session for a read of its own
            assert httpx.get(cluster.url("k2") + "/api/readings", params={"device": "RS01", "quantity": "water_level"},
                             timeout=5).status_code == 401
            page = httpx.get(cluster.url("k2") + "/", timeout=5)
            assert page.status_code == 200 and "<html" in page.text.lower()
        finally:
            cluster.resume(leader)

        async with socket(a, "/ws/alerts") as on_a, socket(b, "/ws/alerts") as on_b, \
                socket(b, "/ws/alerts") as resuming:
            for s in (on_a, on_b, resuming):
                await s.wait_for(lambda m: m["type"] == "snapshot", 10, "the snapshot")
            sent = time.monotonic()
            publisher.publish(STATIONS["RS01"], level(time.time(), FLOOD_CM))
            for s in (on_a, on_b):
                at, message = await s.wait_for(raised("RS01"), 5, "the alert on each console")
                assert at - sent < 1.0, f"the alert took {at - sent:.2f} s to a console's socket"
            alert = message["alert"]["id"]
            await resuming.wait_for(raised("RS01"), 5, "the alert")
            last = resuming.seqs()[-1]
            await resuming.ws.close()

            cluster.kill(leader)  # the consoles' sockets stay open: they are served by the consoles
            deadline = time.monotonic() + 20
            while b.post(f"/api/alerts/{alert}/acknowledge", json={"note": "已收到"}).status_code != 200:
                assert time.monotonic() < deadline, "no standby acted within 20 s"
                await asyncio.sleep(0.2)
            for s in (on_a, on_b):
                await s.wait_for(lambda m: m["type"] == "alert" and m["action"] == "acknowledge", 5, "the ack")
            async with socket(b, f"/ws/alerts?since={last}") as resumed:
                await resumed.wait_for(lambda m: m["type"] == "alert" and m["action"] == "acknowledge", 5, "replay")
            await asyncio.sleep(1)  # anything sent twice would have come by now
            stored_seqs = transitions(cluster)
            for s in (on_a, on_b, resuming):
                assert s.task is not None and (s is resuming or not s.task.done()), "a socket closed with the leader"
                snapshot_seq = s.messages[0][1]["seq"]
                expected = [seq for seq in stored_seqs if seq > snapshot_seq]
                if s is resuming:
                    assert resumed.kinds()[0] == "resumed"
                    got = s.seqs() + resumed.seqs()
                    assert got == [seq for seq in expected if seq <= got[-1]]
                else:
                    assert s.seqs() == expected  # each transition once, in order, none lost
    finally:
        await publisher.aclose()
        a.close()
        b.close()


async def test_a_cadre_gets_only_their_villages_feeds_through_a_console(cluster: Cluster) -> None:
    start(cluster, [("ingest", "w1"), ("core", "c1"), ("console", "k1")])
    staff = signed_in(cluster.url("k1"))
    made = staff.post("/api/users", json={"username": "cadre.shimen", "name": "石门村 李华", "role": "cadre",
                                          "village": "shimen", "password": "cadre-pass-1"})
    assert made.status_code == 201, made.text
    cadre = httpx.Client(base_url=cluster.url("k1"), timeout=10, headers={"Origin": cluster.url("k1")})
    assert cadre.post("/api/auth/login", json={"username": "cadre.shimen", "password": "cadre-pass-1"}).is_success
    publisher = await Publisher.open(cluster.broker_port, "feeds-test-stations")
    try:
        await warm_up(cluster, staff, publisher, ["RS01", "RS02"])
        async with socket(cadre, "/ws/alerts") as cadre_alerts, socket(cadre, "/ws/live") as cadre_live, \
                socket(staff, "/ws/alerts") as staff_alerts, socket(staff, "/ws/live") as staff_live:
            for s in (cadre_alerts, staff_alerts):
                await s.wait_for(lambda m: m["type"] == "snapshot", 10, "the snapshot")
            for device in ("RS02", "RS01"):  # the other village's first
                publisher.publish(STATIONS[device], level(time.time(), FLOOD_CM))
            for device in ("RS01", "RS02"):  # the staff's sockets show both were relayed
                await staff_alerts.wait_for(raised(device), 10, f"{device}'s alert for the staff")
                await staff_live.wait_for(lambda m, d=device: any(i["device"] == d for i in m.get("items", [])), 10,
                                          f"{device}'s reading for the staff")
            await cadre_alerts.wait_for(raised("RS01"), 10, "the cadre's own village's alert")
            await cadre_live.wait_for(lambda m: any(i["device"] == "RS01" for i in m.get("items", [])), 10,
                                      "the cadre's own village's reading")
            await asyncio.sleep(1)
        alerts = [m["alert"] for _, m in cadre_alerts.messages if "alert" in m]
        assert alerts and all(x["village"] == "shimen" or x["wide"] for x in alerts), alerts
        assert all(x["device"] != "RS02" for x in alerts)
        devices = {i["device"] for _, m in cadre_live.messages for i in m.get("items", [])}
        devices |= {m["device"] for _, m in cadre_live.messages if m["type"] == "device_event"}
        assert "RS01" in devices and "RS02" not in devices, devices
    finally:
        await publisher.aclose()
        staff.close()
        cadre.close()
