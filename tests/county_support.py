"""A county hub and its town hubs as separate OS processes (`gridhub run`), linked over HTTPS with mutual TLS."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
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
from tests.support import REGISTER_KEY, free_port, listening

GRIDHUB = str(Path(sys.executable).parent / "gridhub")
SAMPLE_COUNTY = DEFAULT_TOWN.parent / "county.yaml"
PASSWORD = "county-test-pw"


class Process:
    """One `gridhub` process with its log in its data folder."""

    def __init__(self, args: list[str], data: Path, port: int) -> None:
        self.args, self.data, self.port = args, data, port
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.spawn()
        self.wait_listening()

    def spawn(self) -> None:
        self.data.mkdir(parents=True, exist_ok=True)
        with (self.data / "hub.log").open("ab") as log:
            self.process = subprocess.Popen([GRIDHUB, *self.args], stdout=log, stderr=log,
                                            env={**os.environ, "GRIDHUB_HEALTH_CHECK_S": "1",
                                                 "GRIDHUB_REGISTER_KEY": REGISTER_KEY})

    def wait_listening(self) -> None:
        assert self.process is not None
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

    def kill(self) -> None:
        """SIGKILL: quicker than stop() (up to 3 s for open requests) once nothing of the hub is kept."""
        if self.process is not None and self.process.poll() is None:
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
        self.names = {t["id"]: t["name"] for t in county["towns"]}
        self.data = workdir / "county"
        self.hub = Process(["run", "--county", str(self.file), "--data-dir", str(self.data),
                            "--http-port", str(self.view_port)], self.data, self.view_port)
        self._http: httpx.Client | None = None
        self.create_admin()  # before it starts, as an administrator does: not inside a test's timed wait

    def create_admin(self, username: str = "root", name: str = "李华") -> None:
        """`gridhub create-admin --county`, as the county's administrator makes the first account."""
        subprocess.run([GRIDHUB, "create-admin", username, "--name", name, "--county", str(self.file),
                        "--data-dir", str(self.data)], env={**os.environ, "GRIDHUB_ADMIN_PASSWORD": PASSWORD},
                       check=True, capture_output=True, timeout=120)

    @property
    def http(self) -> httpx.Client:
        """A client signed in to the county's view as its admin (on first use)."""
        if self._http is None:
            client = httpx.Client(base_url=self.view, timeout=10)
            signed = client.post("/api/auth/login", json={"username": "root", "password": PASSWORD})
            assert signed.status_code == 200, signed.text
            client.headers["Authorization"] = f"Bearer {signed.json()['token']}"
            self._http = client
        return self._http

    def close(self) -> None:
        self.hub.stop()
        if self._http is not None:
            self._http.close()

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
        response = self.http.get(path, params=params)
        assert response.status_code == 200, response.text
        return response.json()


class Town:
    """The sample town (on free ports) linked to *county* with a certificate issued to it; another town of the
    county is the sample town under that town's id and name. *via* is the link's address, if not the county's."""

    def __init__(self, workdir: Path, county: County, town: str = "qingxi", via: str | None = None) -> None:
        certs = county.issue(town)
        self.data = workdir / town
        self.data.mkdir(parents=True, exist_ok=True)
        self.file = sample_town_file(self.data / "town.yaml")
        self.alone = yaml.safe_load(self.file.read_text(encoding="utf-8"))
        self.alone["town"] |= {"id": town, "name": county.names[town]}
        # The devices the test does not drive would go offline (cameras after 2 minutes) and raise alerts of their
        # own, which a slow run would see arrive while it compares trails.
        self.alone["thresholds"]["offline_after_s"] = dict.fromkeys(self.alone["thresholds"]["offline_after_s"], 86400)
        # Nor are the cameras read: with no stream behind them, each goes offline 20 s after the hub starts
        # (open_timeout_s + stall_s), which a loaded machine's slower run reaches before it compares open alerts.
        self.alone["adapters"]["cameras"]["enabled"] = False
        self.section = {"url": via or county.link, "ca_file": str(certs / "county-ca.pem"),
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

    def open_alerts(self) -> dict[int, str]:
        """The town's open alerts and their severity, from its state database."""
        with sqlite3.connect(f"file:{self.data / 'state.sqlite3'}?mode=ro", uri=True) as db:
            rows = db.execute("SELECT id, severity FROM gridhub_alerts WHERE state IN "
                              "('raised', 'acknowledged', 'dispatched')").fetchall()
        return {int(i): str(s) for i, s in rows}

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


class Cable:
    """A TCP relay on loopback between a town and its county, which a test cuts and mends like a line."""

    def __init__(self, target: int) -> None:
        self.target, self.port = target, free_port()
        self._server: socket.socket | None = None
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        self.mend()

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def mend(self) -> None:
        server = socket.create_server(("127.0.0.1", self.port))
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def cut(self) -> None:
        """Refuse new connections and break those open."""
        assert self._server is not None
        with contextlib.suppress(OSError):
            self._server.shutdown(socket.SHUT_RDWR)  # wakes the thread in accept(), which close() alone does not
        self._server.close()
        with self._lock:
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._open.clear()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                near, _ = server.accept()
            except OSError:
                return  # cut
            try:
                far = socket.create_connection(("127.0.0.1", self.target))
            except OSError:
                near.close()
                continue
            with self._lock:
                self._open += [near, far]
            for a, b in ((near, far), (far, near)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


def start_all(*processes: Process) -> None:
    """Start several hubs at once and wait until each listens (each takes seconds to import and migrate)."""
    for process in processes:
        process.spawn()
    for process in processes:
        process.wait_listening()


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out after {timeout} s waiting for {what}"
        time.sleep(0.2)
