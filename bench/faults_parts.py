"""The parts of bench/faults.py: the hub as an OS process, the device publisher, the webhook receiver, the counts."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from hub.settings import DEFAULT_TOWN
from tests.support import free_port

GRIDHUB = str(Path(sys.executable).parent / "gridhub")
READINGS_DEVICE, READINGS_TOPIC = "RS02", "hy/HY230102/up"  # 50 m, far below its warning line (57.3 m)
ALERT_TOPIC = "hy/HY230101/up"  # RS01: warning line 58.0 m
STEP_ACTIONS = {"raise", "escalate"}  # the escalation steps: each tells exactly one chain level


def bench_town(folder: Path, hook_url: str) -> Path:
    """The sample town with cameras off, escalation every 3 s, one webhook channel to *hook_url*, HJ 212 on a free
    port."""
    text = DEFAULT_TOWN.read_text(encoding="utf-8")
    edits = [
        ("    after_min: {blue: 60, yellow: 30, orange: 15, red: 5}",
         "    after_min: {blue: 0.05, yellow: 0.05, orange: 0.05, red: 0.05}"),
        ("    repeat_min: 10 ", "    repeat_min: 0.05 "),
        ("    - type: mqtt                # every notification also under gridhub/alerts/<id>/<action>\n"
         "      name: mqtt-feed", f"    - {{type: webhook, name: bench-hook, url: '{hook_url}', timeout_s: 2}}"),
        ("    detect_fps: 5\n    cameras:", "    enabled: false\n    detect_fps: 5\n    cameras:"),
        ("port: 9212}", f"port: {free_port()}}}"),  # not the port a running demo holds
        ("port: 9651}", f"port: {free_port()}}}"),
    ]
    for old, new in edits:
        assert old in text, f"the sample town changed: {old!r}"
        text = text.replace(old, new, 1)
    path = folder / "town.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@dataclass
class HubProcess:
    """`gridhub run` on a broker and a data directory, killed and started again at will."""

    town: Path
    data: Path
    broker_port: int
    process: subprocess.Popen[bytes] | None = None
    log_at_start: int = 0  # where this start's lines begin in the log

    def start(self) -> None:
        self.data.mkdir(parents=True, exist_ok=True)
        self.log_at_start = len(self.log()) if (self.data / "hub.log").exists() else 0
        with (self.data / "hub.log").open("ab") as log:
            self.process = subprocess.Popen(
                [GRIDHUB, "run", "--town", str(self.town), "--mqtt", f"mqtt://127.0.0.1:{self.broker_port}",
                 "--http-port", str(free_port()), "--data-dir", str(self.data)], stdout=log, stderr=log)

    def connections(self) -> int:
        """How often this start's ingest has connected (the log says so once per connection)."""
        return self.log()[self.log_at_start:].count("mqtt: connected")

    def wait_connected(self, more_than: int = 0, timeout: float = 60.0) -> None:
        """Until this start's ingest has connected more than *more_than* times."""
        deadline = time.monotonic() + timeout
        while self.connections() <= more_than:
            assert self.process is not None and self.process.poll() is None, self.log()[-3000:]
            assert time.monotonic() < deadline, f"the hub did not connect\n{self.log()[-3000:]}"
            time.sleep(0.1)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def log(self) -> str:
        return (self.data / "hub.log").read_text(errors="replace")


class Device:
    """A station's RTU in a thread of its own: QoS 1 on a persistent session, every message resent until acked."""

    def __init__(self, port: int) -> None:
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="faults-bench-device", clean_session=False)
        self.acked = 0
        self._lock = threading.Lock()
        self.client.on_publish = self._on_publish
        self.client.reconnect_delay_set(1, 2)
        self.client.max_queued_messages_set(0)
        self.client.connect_async("127.0.0.1", port, keepalive=5)
        self.client.loop_start()

    def _on_publish(self, *_: object) -> None:
        with self._lock:
            self.acked += 1

    def publish(self, topic: str, payload: bytes) -> None:
        self.client.publish(topic, payload, qos=1)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def reading(base_ms: int, seq: int) -> bytes:
    """Reading number *seq*: its time is base + seq ms, so the store's key says which it was."""
    return b'{"sn":"HY","ts":%d,"wl":5000}' % (base_ms + seq)


def over_the_line(ts_ms: int) -> bytes:
    return b'{"sn":"HY","ts":%d,"wl":5850}' % ts_ms  # 58.5 m: past RS01's warning line


@dataclass
class Receiver:
    """A webhook endpoint that keeps every body and idempotency key it was sent."""

    received: list[tuple[dict[str, object], str | None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        bodies = self.received

        class Hook(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                bodies.append((body, self.headers.get("Idempotency-Key")))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def stored_sequence(data: Path, base_ms: int, n: int) -> Counter[int]:
    """How many rows the store holds of each reading number 0…n-1."""
    with sqlite3.connect(data / "gridhub.sqlite3") as db:
        rows = db.execute("SELECT r.ts FROM readings r JOIN series s ON s.id = r.series "
                          "WHERE s.device = ? AND s.quantity = 'water_level' AND r.ts BETWEEN ? AND ?",
                          (READINGS_DEVICE, base_ms, base_ms + n - 1)).fetchall()
    return Counter(ts - base_ms for (ts,) in rows)


def escalation_steps(data: Path) -> set[tuple[int, int]]:
    """(alert, seq) of every stored step that tells one chain level (raise, escalate)."""
    with sqlite3.connect(data / "state.sqlite3") as db:
        rows = db.execute("SELECT alert_id, seq, body FROM gridhub_alert_transitions").fetchall()
    return {(alert, seq) for alert, seq, body in rows if json.loads(body).get("action") in STEP_ACTIONS}


@dataclass(frozen=True)
class NotificationCounts:
    steps: int
    received: int
    lost: int
    duplicated: int
    duplicated_by_id: int | None  # after de-duplicating by the delivery id, when the wire carries one


def count_notifications(steps: set[tuple[int, int]], received: list[tuple[dict[str, object], str | None]],
                        ) -> NotificationCounts:
    """Per (alert, step, channel): the channel is the one webhook, so (alert, seq) names a delivery."""
    wire = [(b, key) for b, key in received if b.get("action") in STEP_ACTIONS]
    per_step = Counter((int(str(b["alert_id"])), int(str(b["seq"]))) for b, _ in wire)
    ids = [key or b.get("delivery_id") for b, key in wire]
    by_id = None
    if wire and all(ids):
        distinct = {(int(str(b["alert_id"])), int(str(b["seq"])), i) for (b, _), i in zip(wire, ids, strict=True)}
        by_id = len(distinct) - len({(a, s) for a, s, _ in distinct})
    return NotificationCounts(len(steps), len(wire), len(steps - set(per_step)),
                              sum(n - 1 for n in per_step.values()), by_id)
