"""The same flood, fed once to one process and once to a town of five, gives the same answers.

One process (`gridhub run`, SQLite) and two ingest workers, one core and two consoles (PostgreSQL) each get
the same station reports on a broker of their own: a river station of each vendor rising past its warning
and guarantee levels, and 72 mm of rain in an hour. Then both must show the same stored and derived series,
the same alerts (ids, rules, severities, counts) and the same escalations, each notification sent once.

The town is the sample town's river stations and rain gauges, with escalation after 3 s so that the whole
chain runs within the test. Cameras are left out: they have no owner among ingest workers yet.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import paho.mqtt.client as mqtt
import pytest
import yaml
from paho.mqtt.enums import CallbackAPIVersion

from tests.cluster.support import GRIDHUB, Cluster, signed_in
from tests.support import Mosquitto, free_port, listening

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]
SAMPLE = Path(__file__).parents[2] / "config" / "sample-town.yaml"
HOUR = 3600.0
Post = tuple[str, bytes]


def small_town(path: Path) -> Path:
    """The sample town's river stations and rain gauges over MQTT only, escalating every 3 s, never repeating."""
    town = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    town["devices"] = [d for d in town["devices"]
                       if d["kind"] in ("river_station", "rain_gauge") and d["adapter"] != "sl651"]
    for adapter in ("cameras", "hj212", "sl651", "speaker-mqtt"):
        town["adapters"].pop(adapter, None)
    town["alerts"]["rules"] = []  # the town's own rule watches cameras
    town["alerts"]["escalation"] = {"after_min": dict.fromkeys(("blue", "yellow", "orange", "red"), 0.05),
                                    "repeat_min": 600}
    path.write_text(yaml.safe_dump(town, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def vendor_a_level(start: float) -> list[Post]:
    """RS01 (vendor A, centimetres) from 55.0 m to 59.8 m over an hour, a report every 5 minutes."""
    return [("hy/HY230101/up", json.dumps({"sn": "HY230101", "ts": int((start + i * 300) * 1000),
                                           "wl": 5500 + i * 40}).encode()) for i in range(13)]


def vendor_b_level(start: float) -> list[Post]:
    """RS03 (vendor B gateway on the shared route) from 54.0 m to 58.8 m over the same hour."""
    def report(i: int) -> bytes:
        when = datetime.fromtimestamp(start + i * 300, UTC).isoformat()
        return json.dumps({"time": when, "data": {"waterLevel": {"value": 54.0 + i * 0.4, "unit": "m"}}}).encode()
    return [("kd/rtu/KD2300417/data", report(i)) for i in range(13)]


def rain(start: float) -> list[Post]:
    """RG01: 1.2 mm a minute for an hour, 72 mm: an orange rain alert."""
    return [("hy/HY230151/up", json.dumps({"sn": "HY230151", "ts": int((start + i * 60 + 30) * 1000),
                                           "rain": 1.2}).encode()) for i in range(60)]


@dataclass
class Answers:
    series: dict[str, object]
    alerts: list[tuple[object, ...]]
    histories: dict[int, list[tuple[object, ...]]]
    notifications: Counter[str]


class Feed:
    """A station publisher on one broker, and a listener to the notifications the hub publishes there."""

    def __init__(self, port: int) -> None:
        self.notified: list[str] = []
        self._station = self._client(port, "same-answers-station")
        self._listener = self._client(port, "same-answers-listener")
        # A notification is its alert's transition (seq) told to one level of the chain.
        self._listener.on_message = lambda _c, _u, m: self.notified.append(
            "{} seq {seq} to {level}".format(m.topic, **json.loads(m.payload)))
        self._listener.subscribe("gridhub/alerts/+/+", qos=1)

    @staticmethod
    def _client(port: int, client_id: str) -> mqtt.Client:
        client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, client_id=client_id)
        client.connect("127.0.0.1", port)
        client.loop_start()
        return client

    def send(self, posts: list[Post]) -> None:
        for topic, payload in posts:
            self._station.publish(topic, payload, qos=1).wait_for_publish(5)

    def close(self) -> None:
        for client in (self._station, self._listener):
            client.disconnect()
            client.loop_stop()


def settled(read: Callable[[], object], quiet_s: float, timeout: float) -> object:
    """*read()* once it has not changed for *quiet_s*."""
    deadline = time.monotonic() + timeout
    last, since = read(), time.monotonic()
    while time.monotonic() - since < quiet_s:
        assert time.monotonic() < deadline, f"still changing after {timeout} s: {last}"
        time.sleep(0.5)
        now = read()
        if now != last:
            last, since = now, time.monotonic()
    return last


def alert_rows(client: httpx.Client) -> list[tuple[object, ...]]:
    alerts = client.get("/api/alerts", params={"limit": 200}).json()
    return sorted((a["id"], a["rule"], a["source"], a["severity"], a["state"], a["count"], a["escalation_level"])
                  for a in alerts)


def run_flood(base: str, feed: Feed, start: float) -> Answers:
    """Feed the flood a station at a time, letting the alerts of each settle; then read every answer."""
    client = signed_in(base)
    try:
        for posts in (vendor_a_level(start), vendor_b_level(start), rain(start)):
            feed.send(posts)
            settled(lambda: alert_rows(client), 3, 60)
        # The whole chain (grid worker → village cadre → duty officer → centre lead) at 3 s a level.
        settled(lambda: (alert_rows(client), len(feed.notified)), 8, 90)
        return read_answers(client, start, feed)
    finally:
        client.close()


def read_answers(client: httpx.Client, start: float, feed: Feed) -> Answers:
    series: dict[str, object] = {}
    for device, quantities in {"RS01": ("water_level", "water_level_rise"),
                               "RS03": ("water_level", "water_level_rise"),
                               "RG01": ("rainfall", "rainfall_1h", "rainfall_3h", "rainfall_24h")}.items():
        for quantity in quantities:
            r = client.get("/api/readings", params={"device": device, "quantity": quantity,
                                                    "start": start - 1, "end": start + HOUR + 60})
            assert r.status_code == 200, r.text
            series[f"{device}/{quantity}"] = r.json()["points"]
    alerts = alert_rows(client)
    histories = {}
    for row in alerts:
        detail = client.get(f"/api/alerts/{row[0]}").json()
        histories[int(str(row[0]))] = (
            [(t["action"], t["actor"], t["state"], t["severity"]) for t in detail["history"]]
            + sorted((d["notifier"], d["target"].split("/", 3)[-1], d["level"], d["action"], d["status"])
                     for d in detail["deliveries"]))  # the target without its broker's address
    return Answers(series, alerts, histories, Counter(feed.notified))


@pytest.fixture
def town(tmp_path: Path) -> Path:
    return small_town(tmp_path / "town.yaml")


@pytest.fixture
def brokers(tmp_path: Path) -> Iterator[tuple[Mosquitto, Mosquitto]]:
    one, five = Mosquitto(tmp_path / "broker-one"), Mosquitto(tmp_path / "broker-five")
    one.start()
    five.start()
    yield one, five
    one.stop()
    five.stop()


def start_one(tmp_path: Path, town: Path, broker: Mosquitto) -> tuple[subprocess.Popen[bytes], str]:
    """The one process (SQLite), listening: it and its console's address."""
    data, port = tmp_path / "one", free_port()
    data.mkdir()
    env = Cluster(data, "", broker.port).env()
    env.pop("GRIDHUB_STATE_URL")
    env.pop("GRIDHUB_STORE")
    subprocess.run([GRIDHUB, "create-admin", "root", "--name", "王强", "--data-dir", str(data)],
                   env=env, check=True, capture_output=True, timeout=120)
    with (data / "hub.log").open("ab") as log:
        hub = subprocess.Popen([GRIDHUB, "run", "--town", str(town), "--mqtt", f"mqtt://127.0.0.1:{broker.port}",
                                "--http-port", str(port), "--data-dir", str(data)], env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 60
        while not listening(port):
            assert hub.poll() is None and time.monotonic() < deadline, (data / "hub.log").read_text()[-3000:]
            time.sleep(0.1)
    except BaseException:
        stop(hub)
        raise
    return hub, f"http://127.0.0.1:{port}"


def stop(hub: subprocess.Popen[bytes]) -> None:
    if hub.poll() is None:
        hub.terminate()
        hub.wait(30)


def start_five(cluster: Cluster) -> None:
    """Two ingest workers, a core and two consoles, every share held and both consoles led."""
    cluster.create_admin()
    for role, name in [("ingest", "w1"), ("ingest", "w2"), ("core", "c1"), ("console", "k1"), ("console", "k2")]:
        cluster.start(role, name)
    for name in ("k1", "k2"):
        cluster.wait_listening(name)
    deadline = time.monotonic() + 120  # a cold start on a busy machine
    while not (len(held := cluster.shares_held()) == 2 and sum(held.values()) == cluster.shards
               and all(httpx.get(cluster.url(k) + "/api/status").status_code != 503 for k in ("k1", "k2"))):
        assert time.monotonic() < deadline, f"the town of five did not come up: shares {held}, " \
                                            f"leader {cluster.leader()}\n{cluster.log('c1')}"
        time.sleep(0.2)


def five_processes(cluster: Cluster, feed: Feed, start: float) -> Answers:
    answers = run_flood(cluster.url("k1"), feed, start)
    other = signed_in(cluster.url("k2"))
    try:  # the other console shows the same
        assert read_answers(other, start, feed).alerts == answers.alerts
    finally:
        other.close()
    return answers


def test_five_processes_answer_the_flood_as_one_does(tmp_path: Path, town: Path, postgres_url: str,
                                                      brokers: tuple[Mosquitto, Mosquitto]) -> None:
    start = time.time() - HOUR - 120
    feed_one, feed_five = Feed(brokers[0].port), Feed(brokers[1].port)
    cluster = Cluster(tmp_path / "five", postgres_url, brokers[1].port, town=town)
    hub = None
    try:
        # The towns start side by side (each on a broker and a database of its own; seconds of imports and
        # migrations), then take the flood one after the other, so that neither's settling competes with the other.
        with ThreadPoolExecutor(1) as starting:
            five_up = starting.submit(start_five, cluster)
            hub, base = start_one(tmp_path, town, brokers[0])
            five_up.result()
        try:
            one = run_flood(base, feed_one, start)
        finally:
            stop(hub)
        five = five_processes(cluster, feed_five, start)
    finally:
        if hub is not None:
            stop(hub)
        cluster.kill_all()  # its schema and broker go next
        feed_one.close()
        feed_five.close()

    assert one.alerts, "the flood raised no alert"
    assert {a[3] for a in one.alerts} >= {"orange"}
    assert five.series == one.series
    assert five.alerts == one.alerts
    assert five.histories == one.histories
    assert five.notifications == one.notifications
    assert set(one.notifications.values()) == {1}, f"sent twice: {[n for n, k in one.notifications.items() if k > 1]}"
