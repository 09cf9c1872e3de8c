"""A county hub and its town hubs as separate OS processes (`gridhub run`), linked over HTTPS with mutual TLS."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import paho.mqtt.client as mqtt
import yaml
from paho.mqtt.enums import CallbackAPIVersion

from hub.settings import DEFAULT_TOWN
from tests.cluster.support import sample_town_file
from tests.support import free_port, listening

GRIDHUB = str(Path(sys.executable).parent / "gridhub")
SAMPLE_COUNTY = DEFAULT_TOWN.parent / "county.yaml"
PASSWORD = "county-test-pw"


class Process:
    """One `gridhub` process with its log in its data folder."""

    def __init__(self, args: list[str], data: Path, port: int) -> None:
        self.args, self.data, self.port = args, data, port
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.data.mkdir(parents=True, exist_ok=True)
        with (self.data / "hub.log").open("ab") as log:
            self.process = subprocess.Popen([GRIDHUB, *self.args], stdout=log, stderr=log,
                                            env={**os.environ, "GRIDHUB_HEALTH_CHECK_S": "1"})
        deadline = time.monotonic() + 90
        while not listening(self.port):
            assert self.process.poll() is None, self.log()
            assert time.monotonic() < deadline, f"not listening on {self.port}\n{self.log()}"
            time.sleep(0.1)

    def stop(self) -> None:
        """SIGTERM, as a supervisor stops it, and wait until it has."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def log(self) -> str:
        return (self.data / "hub.log").read_text(errors="replace")[-6000:]


class County:
    """The sample county on free ports in *workdir*, with its CA in county/ and certificates issued to towns."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.link_port, self.view_port = free_port(), free_port()
        county = yaml.safe_load(SAMPLE_COUNTY.read_text(encoding="utf-8"))
        county["link"] = {"host": "127.0.0.1", "port": self.link_port}
        workdir.mkdir(parents=True, exist_ok=True)
        self.file = workdir / "county.yaml"
        self.file.write_text(yaml.safe_dump(county, allow_unicode=True, sort_keys=False), encoding="utf-8")
        self.data = workdir / "county"
        self.hub = Process(["run", "--county", str(self.file), "--data-dir", str(self.data),
                            "--http-port", str(self.view_port)], self.data, self.view_port)

    def issue(self, town: str) -> Path:
        """`gridhub county issue-cert <town>`, as the county's administrator runs it: the folder it wrote."""
        out = self.workdir / "certs" / town
        subprocess.run([GRIDHUB, "county", "issue-cert", town, "--county", str(self.file), "--data-dir",
                        str(self.data), "--out", str(out)], check=True, capture_output=True, timeout=60)
        return out

    @property
    def view(self) -> str:
        return f"http://127.0.0.1:{self.view_port}"

    @property
    def link(self) -> str:
        return f"https://127.0.0.1:{self.link_port}"

    def get(self, path: str, **params: Any) -> Any:
        response = httpx.get(self.view + path, params=params, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()


class Town:
    """The sample town (on free ports) linked to *county* with a certificate issued to it."""

    def __init__(self, workdir: Path, county: County, town: str = "qingxi") -> None:
        certs = county.issue(town)
        self.data = workdir / town
        self.data.mkdir(parents=True, exist_ok=True)
        self.file = sample_town_file(self.data / "town.yaml")
        self.alone = yaml.safe_load(self.file.read_text(encoding="utf-8"))
        self.section = {"url": county.link, "ca_file": str(certs / "county-ca.pem"),
                        "cert_file": str(certs / f"{town}.pem"), "key_file": str(certs / f"{town}.key"),
                        "summary_every_s": 2, "retry_max_s": 1, "poll_s": 1}
        self.linked(True)
        self.http_port, self.broker_port = free_port(), free_port()
        self.hub = Process(["run", "--town", str(self.file), "--data-dir", str(self.data), "--http-port",
                            str(self.http_port), "--embedded-port", str(self.broker_port)], self.data, self.http_port)

    def linked(self, yes: bool) -> None:
        """Write the town file with its county section, or without (the town alone)."""
        doc = {**self.alone, "county": self.section} if yes else self.alone
        self.file.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")

    def level(self, device: str, metres: float, ts: float | None = None) -> None:
        """A vendor A station's report on its topic (at *ts*, default now), acknowledged by the town's broker."""
        topic = {"RS01": "hy/HY230101/up", "RS02": "hy/HY230102/up"}[device]
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"rtu-{os.urandom(3).hex()}")
        client.connect("127.0.0.1", self.broker_port)
        client.loop_start()
        try:
            body = json.dumps({"ts": int((ts or time.time()) * 1000), "wl": round(metres * 100)})
            client.publish(topic, body, qos=1).wait_for_publish(10)
        finally:
            client.disconnect()
            client.loop_stop()

    def transitions(self) -> list[tuple[int, str]]:
        """The town's own alert trail, from its state database: (alert id, action) in its order."""
        with sqlite3.connect(f"file:{self.data / 'state.sqlite3'}?mode=ro", uri=True) as db:
            rows = db.execute("SELECT alert_id, body FROM gridhub_alert_transitions ORDER BY seq").fetchall()
        return [(int(alert_id), json.loads(body)["action"]) for alert_id, body in rows]

    def trail_seqs(self) -> list[int]:
        """The sequence numbers of the town's alert trail (handed out in blocks: not contiguous across restarts)."""
        with sqlite3.connect(f"file:{self.data / 'state.sqlite3'}?mode=ro", uri=True) as db:
            return [int(n) for (n,) in db.execute("SELECT seq FROM gridhub_alert_transitions ORDER BY seq")]

    def outbox(self) -> int:
        with sqlite3.connect(f"file:{self.data / 'state.sqlite3'}?mode=ro", uri=True) as db:
            return int(db.execute("SELECT count(*) FROM gridhub_county_outbox").fetchone()[0])

    def create_admin(self) -> None:
        subprocess.run([GRIDHUB, "create-admin", "root", "--name", "王强", "--data-dir", str(self.data)],
                       env={**os.environ, "GRIDHUB_ADMIN_PASSWORD": PASSWORD}, check=True, capture_output=True,
                       timeout=120)

    def signed_in(self) -> httpx.Client:
        base = f"http://127.0.0.1:{self.http_port}"
        client = httpx.Client(base_url=base, timeout=10, headers={"Origin": base})
        response = client.post("/api/auth/login", json={"username": "root", "password": PASSWORD})
        assert response.status_code == 200, response.text
        return client


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out after {timeout} s waiting for {what}"
        time.sleep(0.2)
