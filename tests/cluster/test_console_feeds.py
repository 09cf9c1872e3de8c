"""Console processes serve pages, reads and live feeds themselves, from shared state and the leader's relayed feeds."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from tests.cluster.pages import browser, socket, start
from tests.cluster.support import Cluster
from tests.support import Publisher

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]
STATIONS = {"RS01": "hy/HY230101/up", "RS02": "hy/HY230102/up"}  # RS01 in 石门 (shimen), RS02 in 柳湾 (liuwan)
CALM_CM, FLOOD_CM = 5000, 5960  # RS01's guarantee level is 59.5 m, RS02's 58.8 m


def level(ts: float, cm: int) -> bytes:
    return b'{"ts":%d,"wl":%d}' % (int(ts * 1000), cm)


async def stored(client: httpx.AsyncClient, device: str) -> int:
    r = await client.get("/api/readings", params={"device": device, "quantity": "water_level",
                                                  "start": time.time() - 600})
    return len(r.json()["points"]) if r.status_code == 200 else 0


async def warm_up(client: httpx.AsyncClient, publisher: Publisher, devices: list[str]) -> None:
    """A calm report of each station stored: the worker's share sessions are subscribed (what comes before is not
    kept for them)."""
    deadline = time.monotonic() + 60
    while not all([await stored(client, d) for d in devices]):
        assert time.monotonic() < deadline, "no report stored within 60 s"
        for device in devices:
            publisher.publish(STATIONS[device], level(time.time(), CALM_CM))
        await asyncio.sleep(1)


def transitions(cluster: Cluster) -> list[int]:
    with sa.create_engine(cluster.state_url, poolclass=NullPool).connect() as conn:
        return list(conn.execute(sa.text("SELECT seq FROM gridhub_alert_transitions ORDER BY seq")).scalars())


def cut(cluster: Cluster, application: str) -> None:
    """End the PostgreSQL connections of one process's part, as a network cut or a database restart would."""
    with sa.create_engine(cluster.state_url, poolclass=NullPool).connect() as conn:
        ended = conn.execute(sa.text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                     "WHERE application_name = :name"), {"name": application}).scalar()
    assert ended == 1


def raised(device: str) -> Any:
    return lambda m: m["type"] == "alert" and m["action"] == "raise" and m["alert"]["device"] == device


def did(action: str) -> Any:
    return lambda m: m["type"] == "alert" and m["action"] == action


async def test_each_console_serves_reads_and_live_alerts_itself_and_through_a_failover(cluster: Cluster) -> None:
    start(cluster, [("ingest", "w1"), ("core", "c1"), ("core", "c2"), ("console", "k1"), ("console", "k2")])
    publisher = await Publisher.open(cluster.broker_port, "feeds-test-station")
    # The session is made through console A; B is the same browser's cookie on the other console.
    async with browser(cluster.url("k1")) as a, \
            httpx.AsyncClient(base_url=cluster.url("k2"), timeout=5, cookies=a.cookies,
                              headers={"Origin": cluster.url("k2")}) as b:
        try:
            await warm_up(b, publisher, ["RS01"])
            await _reads_without_the_leader(cluster, b)
            alert = await _alerts_through_a_failover(cluster, publisher, a, b)
            await _the_alerts_list_without_the_leader(cluster, b, alert)
            await _a_cut_listener_resumes(cluster, a, b, alert)
            # Signed out through A: refused on B at once, though B keeps nothing of its own.
            assert (await a.post("/api/auth/logout")).status_code == 204
            assert (await b.get("/api/readings", params={"device": "RS01", "quantity": "water_level"})).status_code \
                == 401
        finally:
            await publisher.aclose()


async def _reads_without_the_leader(cluster: Cluster, b: httpx.AsyncClient) -> None:
    """With the leader frozen, nothing passed to it could answer: B answers its reads and pages itself."""
    leader = cluster.leader()
    assert leader is not None
    cluster.pause(leader)
    try:
        assert await stored(b, "RS01") > 0  # B accepts A's session
        async with httpx.AsyncClient(base_url=cluster.url("k2"), timeout=5) as anonymous:
            refused = await anonymous.get("/api/readings", params={"device": "RS01", "quantity": "water_level"})
            assert refused.status_code == 401
            page = await anonymous.get("/")
            assert page.status_code == 200 and "<html" in page.text.lower()
    finally:
        cluster.resume(leader)


async def _the_alerts_list_without_the_leader(cluster: Cluster, b: httpx.AsyncClient, alert: int) -> None:
    """B answers the alerts list from the alert store: the acknowledged alert, with the leader frozen."""
    leader = cluster.leader()
    assert leader is not None
    cluster.pause(leader)
    try:
        listed = await b.get("/api/alerts", params={"state": "open"})
    finally:
        cluster.resume(leader)
    assert listed.status_code == 200, listed.text
    assert {a["id"]: a["state"] for a in listed.json()}.get(alert) == "acknowledged", listed.json()


async def _alerts_through_a_failover(cluster: Cluster, publisher: Publisher, a: httpx.AsyncClient,
                                     b: httpx.AsyncClient) -> int:
    """An alert on both consoles' sockets within a second; the leader killed, the sockets carry on; the id."""
    async with socket(a, "/ws/alerts") as on_a, socket(b, "/ws/alerts") as on_b, socket(b, "/ws/alerts") as resuming:
        for s in (on_a, on_b, resuming):
            await s.wait_for(lambda m: m["type"] == "snapshot", 10, "the snapshot")
        sent = time.monotonic()
        publisher.publish(STATIONS["RS01"], level(time.time(), FLOOD_CM))
        for s in (on_a, on_b):
            at, message = await s.wait_for(raised("RS01"), 5, "the alert on each console")
            assert at - sent < 1.0, f"the alert took {at - sent:.2f} s to a console's socket"
        alert: int = message["alert"]["id"]
        await resuming.wait_for(raised("RS01"), 5, "the alert")
        await resuming.ws.close()

        leader = cluster.leader()
        assert leader is not None
        cluster.kill(leader)  # the consoles' sockets stay open: they are served by the consoles
        deadline = time.monotonic() + 20
        while (await b.post(f"/api/alerts/{alert}/acknowledge", json={"note": "已收到"})).status_code != 200:
            assert time.monotonic() < deadline, "no standby acted within 20 s"
            await asyncio.sleep(0.2)
        for s in (on_a, on_b):
            await s.wait_for(did("acknowledge"), 5, "the acknowledgement")
        async with socket(b, f"/ws/alerts?since={resuming.seqs()[-1]}") as resumed:
            await resumed.wait_for(did("acknowledge"), 5, "the acknowledgement, replayed")
        await asyncio.sleep(1)  # anything sent twice would have come by now
        stored_seqs = transitions(cluster)
        for s in (on_a, on_b):
            assert s.task is not None and not s.task.done(), "a console's socket closed with the leader"
            # Each transition after the snapshot once, in order, none lost.
            assert s.seqs() == [seq for seq in stored_seqs if seq > s.messages[0][1]["seq"]]
        assert resumed.kinds()[0] == "resumed"
        got = resuming.seqs() + resumed.seqs()
        assert got == [seq for seq in stored_seqs if resuming.messages[0][1]["seq"] < seq <= got[-1]]
    return alert


async def _a_cut_listener_resumes(cluster: Cluster, a: httpx.AsyncClient, b: httpx.AsyncClient, alert: int) -> None:
    """Console A's connection to PostgreSQL is cut: it may have missed messages, so its sockets are closed (4008),
    not left with a gap, and the page resumes from the store."""
    async with socket(a, "/ws/alerts") as on_a:
        await on_a.wait_for(lambda m: m["type"] == "snapshot", 10, "the snapshot")
        since = on_a.messages[0][1]["seq"]
        cut(cluster, "gh-listen-k1")
        await asyncio.wait_for(on_a.task, 10)
        assert on_a.ws.close_code == 4008
    resolve = await b.post(f"/api/alerts/{alert}/resolve", json={"note": "水位回落"})
    assert resolve.status_code == 200, resolve.text
    async with socket(a, f"/ws/alerts?since={since}") as again:
        await again.wait_for(did("resolve"), 10, "the resolve")
        assert again.kinds()[0] == "resumed"


async def test_a_cadre_gets_only_their_villages_feeds_through_a_console(cluster: Cluster) -> None:
    start(cluster, [("ingest", "w1"), ("core", "c1"), ("console", "k1")])
    base = cluster.url("k1")
    publisher = await Publisher.open(cluster.broker_port, "feeds-test-stations")
    async with browser(base) as staff:
        made = await staff.post("/api/users", json={"username": "cadre.shimen", "name": "石门村 李华",
                                                    "role": "cadre", "village": "shimen", "password": "cadre-pass-1"})
        assert made.status_code == 201, made.text
        try:
            async with browser(base, "cadre.shimen", "cadre-pass-1") as cadre:
                await warm_up(staff, publisher, ["RS01", "RS02"])
                alerts, devices = await _what_a_cadre_gets(publisher, staff, cadre)
        finally:
            await publisher.aclose()
    assert alerts and all(x["village"] == "shimen" or x["wide"] for x in alerts), alerts
    assert all(x["device"] != "RS02" for x in alerts)
    assert "RS01" in devices and "RS02" not in devices, devices


async def _what_a_cadre_gets(publisher: Publisher, staff: httpx.AsyncClient,
                             cadre: httpx.AsyncClient) -> tuple[list[dict[str, Any]], set[str]]:
    """Both villages' stations flood; the alerts and the devices of readings and events the cadre was sent."""
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
    devices = {i["device"] for _, m in cadre_live.messages for i in m.get("items", [])}
    devices |= {m["device"] for _, m in cadre_live.messages if m["type"] == "device_event"}
    return alerts, devices
