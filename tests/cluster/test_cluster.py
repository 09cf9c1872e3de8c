"""Several processes give the answers one process gives: rain totals, alerts, actions, sessions, failover."""

from __future__ import annotations

import time

import httpx
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from hub.shards import shard_of, wanted
from tests.cluster.support import Cluster, hy_rain, signed_in, wait_led

pytestmark = [pytest.mark.integration, pytest.mark.timeout(420)]
GAUGE, SN, TOPIC = "RG01", "HY230151", "hy/HY230151/up"
REPORTS, MM = 60, 1.2  # one report a minute for the last hour: 72 mm, an orange rain alert (60–80 mm in 1 h)


def until(check: object, timeout: float, what: str) -> float:
    """Seconds until *check()* is truthy; fails after *timeout*."""
    started = time.monotonic()
    while not check():  # type: ignore[operator]
        assert time.monotonic() - started < timeout, f"not within {timeout} s: {what}"
        time.sleep(0.1)
    return time.monotonic() - started


def publisher(port: int) -> mqtt.Client:
    client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, client_id="cluster-test-station")
    client.connect("127.0.0.1", port)
    client.loop_start()
    return client


def test_a_town_on_five_processes_answers_as_one(cluster: Cluster) -> None:
    cluster.create_admin()
    # All at once on an empty database: workers, two core processes (one leads) and two consoles.
    for role, name in [("ingest", "w1"), ("ingest", "w2"), ("core", "c1"), ("core", "c2"),
                       ("console", "k1"), ("console", "k2")]:
        cluster.start(role, name)
    for name in ("k1", "k2"):
        cluster.wait_listening(name)
    until(lambda: cluster.leader() in ("c1", "c2"), 60, "a leader")
    until(lambda: sum(cluster.shares_held().values()) == cluster.shards and len(cluster.shares_held()) == 2,
          30, "both workers holding every share between them")
    for name in ("k1", "k2"):  # the leader names itself before its own console listens
        wait_led(cluster.url(name))
    a, b = signed_in(cluster.url("k1")), signed_in(cluster.url("k2"))
    try:
        _same_answers(cluster, a, b)
    finally:
        a.close()
        b.close()


def _same_answers(cluster: Cluster, a: httpx.Client, b: httpx.Client) -> None:
    until(lambda: a.get("/api/status").status_code == 200, 30, "the leader's console answering")

    owner = next(w for w in ("w1", "w2") if shard_of(GAUGE, cluster.shards) in wanted(w, ["w1", "w2"], cluster.shards))
    station = publisher(cluster.broker_port)
    start = time.time() - REPORTS * 60
    for i in range(REPORTS):
        station.publish(TOPIC, hy_rain(SN, start + i * 60 + 30, MM), qos=1).wait_for_publish(5)
        if i == REPORTS // 2:
            cluster.kill(owner)  # the gauge's worker dies mid-hour: its share moves to the other
    station.disconnect()
    station.loop_stop()

    def rain() -> list[dict[str, float]]:
        r = b.get("/api/readings", params={"device": GAUGE, "quantity": "rainfall", "start": start, "end": time.time()})
        return list(r.json()["points"]) if r.status_code == 200 else []

    until(lambda: len(rain()) == REPORTS, 30, "every report stored once")
    assert sum(p["sum"] for p in rain()) == pytest.approx(REPORTS * MM)

    def total_1h() -> float | None:
        r = a.get("/api/readings", params={"device": GAUGE, "quantity": "rainfall_1h", "start": start})
        points = r.json()["points"] if r.status_code == 200 else []
        return float(points[-1]["mean"]) if points else None

    until(lambda: total_1h() == pytest.approx(REPORTS * MM), 30, "the 1 h total of the whole feed")

    def rain_alerts() -> list[dict[str, object]]:
        return list(a.get("/api/alerts", params={"device": GAUGE, "state": "open"}).json())

    until(lambda: any(x["severity"] == "orange" for x in rain_alerts()), 30, "an orange rain alert")
    alert = rain_alerts()[0]
    assert len(rain_alerts()) == 1

    # Acknowledged on one console, seen on the other within a second; signed in on one, signed in on both.
    assert b.post(f"/api/alerts/{alert['id']}/acknowledge", json={"note": "已收到"}).status_code == 200
    assert until(lambda: a.get(f"/api/alerts/{alert['id']}").json()["state"] == "acknowledged", 1, "ack on A") < 1

    # The leader dies: the standby leads within 15 s, with the same alert, acknowledged, and no second one.
    leader = cluster.leader()
    assert leader is not None
    cluster.kill(leader)
    took = until(lambda: cluster.leader() not in (None, leader) and a.get("/api/status").status_code == 200, 15,
                 "the standby leading")
    print(f"leader_failover_s: {took:.1f}")
    time.sleep(3)  # long enough for a stale update or a second alert to show
    again = rain_alerts()
    assert [x["id"] for x in again] == [alert["id"]]
    assert again[0]["state"] == "acknowledged"
