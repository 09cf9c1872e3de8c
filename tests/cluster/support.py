"""A town run as separate OS processes (`gridhub run --role …`) on a real Mosquitto and PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import sqlalchemy as sa
import yaml
from sqlalchemy.pool import NullPool

from hub.settings import DEFAULT_TOWN as SAMPLE_TOWN
from tests.support import free_port, listening

GRIDHUB = str(Path(sys.executable).parent / "gridhub")
PASSWORD = "cluster-test-pw"


@dataclass
class Cluster:
    """The processes of one town, by name, and what they need in common."""

    workdir: Path
    state_url: str
    broker_port: int
    shards: int = 8
    town: Path | None = None  # the sample town, on free station ports, unless given
    extra_env: dict[str, str] = field(default_factory=dict)  # for the processes started from now on
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.town is None:
            self.workdir.mkdir(parents=True, exist_ok=True)
            self.town = sample_town_file(self.workdir / "town.yaml")

    def env(self) -> dict[str, str]:
        return {**os.environ, "GRIDHUB_STATE_URL": self.state_url, "GRIDHUB_STORE": "postgres",
                "GRIDHUB_SHARDS": str(self.shards), "GRIDHUB_ADMIN_PASSWORD": PASSWORD,
                "GRIDHUB_HEALTH_CHECK_S": "1", **self.extra_env}

    def create_admin(self) -> None:
        subprocess.run([GRIDHUB, "create-admin", "root", "--name", "王强", "--data-dir", str(self.workdir / "admin")],
                       env=self.env(), check=True, capture_output=True, timeout=120)

    def start(self, role: str, name: str) -> None:
        port = free_port()
        data = self.workdir / name
        data.mkdir(parents=True, exist_ok=True)
        with (data / "hub.log").open("ab") as log:
            self.processes[name] = subprocess.Popen(
                [GRIDHUB, "run", "--role", role, "--name", name, "--mqtt", f"mqtt://127.0.0.1:{self.broker_port}",
                 "--http-port", str(port), "--data-dir", str(data), "--town", str(self.town)],
                env=self.env(), stdout=log, stderr=log)
        self.ports[name] = port

    def kill(self, name: str) -> None:
        self.processes[name].send_signal(signal.SIGKILL)
        self.processes[name].wait(10)

    def pause(self, name: str) -> None:
        """Freeze a process (SIGSTOP): its sockets and PostgreSQL locks stay, it reads nothing."""
        self.processes[name].send_signal(signal.SIGSTOP)

    def resume(self, name: str) -> None:
        self.processes[name].send_signal(signal.SIGCONT)

    def cpu_seconds(self, name: str) -> float:
        """User and system CPU time a process (all its threads) has used so far, from /proc/<pid>/stat."""
        stat = Path(f"/proc/{self.processes[name].pid}/stat").read_text()
        fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime

    def kill_all(self) -> None:
        """Kill -9 every process still running (quicker than stop when nothing of the town is kept)."""
        for name, process in self.processes.items():
            if process.poll() is None:
                self.kill(name)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def wait_listening(self, name: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not listening(self.ports[name]):
            assert self.processes[name].poll() is None, self.log(name)
            assert time.monotonic() < deadline, f"{name} does not listen\n{self.log(name)}"
            time.sleep(0.1)

    def log(self, name: str) -> str:
        return (self.workdir / name / "hub.log").read_text(errors="replace")[-4000:]

    def leader(self) -> str | None:
        with sa.create_engine(self.state_url, poolclass=NullPool).connect() as conn:
            if conn.execute(sa.text("SELECT to_regclass('gridhub_leaders')")).scalar() is None:
                return None  # no core process has come far enough to make the table
            return conn.execute(sa.text("SELECT name FROM gridhub_leaders")).scalar()

    def shares_held(self) -> dict[str, int]:
        """Device shares held, by ingest worker (from the advisory locks PostgreSQL holds for them)."""
        query = sa.text("SELECT a.application_name, count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                        "WHERE l.locktype = 'advisory' AND a.application_name LIKE 'gh-ingest-%' GROUP BY 1")
        with sa.create_engine(self.state_url, poolclass=NullPool).connect() as conn:
            return {str(name).rsplit("-", 1)[-1]: int(n) for name, n in conn.execute(query)}


def sample_town_file(path: Path) -> Path:
    """The sample town with its HJ 212 and SL 651 stations listened for on free ports: a demo may hold its own."""
    town = yaml.safe_load(SAMPLE_TOWN.read_text(encoding="utf-8"))
    for adapter in ("hj212", "sl651"):
        town["adapters"][adapter]["listen"]["port"] = free_port()
    path.write_text(yaml.safe_dump(town, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def wait_led(base: str, timeout: float = 60) -> None:
    """Wait until a console at *base* knows a leader to pass requests to (it answers 503 until then)."""
    deadline = time.monotonic() + timeout
    while httpx.get(base + "/api/status", timeout=5).status_code == 503:
        assert time.monotonic() < deadline, f"{base} found no leader within {timeout} s"
        time.sleep(0.1)


def signed_in(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=10, headers={"Origin": base})
    response = client.post("/api/auth/login", json={"username": "root", "password": PASSWORD})
    assert response.status_code == 200, response.text
    return client


def hy_rain(sn: str, ts: float, mm: float) -> bytes:
    return json.dumps({"sn": sn, "ts": int(ts * 1000), "rain": mm}).encode()
