"""Real time-series servers for the tests, installed from Debian and run on free ports with temp data dirs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

from tests.support import free_port, listening


def ensure_installed(binary: str, package: str) -> str:
    """*binary*'s path, installed from Debian's *package* when missing and we are root."""
    found = shutil.which(binary)
    if found:
        return found
    if os.geteuid() != 0:
        raise RuntimeError(f"{binary} is not installed and installing it needs root (apt-get install {package})")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "install", "-y", "-q", package], check=True, capture_output=True, env=env)
    return shutil.which(binary) or f"/usr/bin/{binary}"


class Server:
    """A server process of our own, stoppable and restartable on the same port and data."""

    name = "server"

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        raise NotImplementedError

    def start(self) -> None:
        with (self.workdir / f"{self.name}.log").open("ab") as log:
            self.process = subprocess.Popen(self.command(), stdout=log, stderr=log)
        deadline = time.monotonic() + 30
        while not (listening(self.port) and self.ready()):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"{self.name} did not start; see {self.workdir}/{self.name}.log")
            time.sleep(0.05)

    def ready(self) -> bool:
        return True

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(20)
            self.process = None


class InfluxDB1(Server):
    """InfluxDB 1.x (Debian's `influxdb`, 1.6.7): the v1 /write API, queried with InfluxQL."""

    name = "influxd"

    def __init__(self, workdir: Path) -> None:
        self.binary = ensure_installed("influxd", "influxdb")
        super().__init__(workdir)
        rpc = free_port()
        config = workdir / "influxdb.conf"
        config.write_text(
            f'reporting-disabled = true\nbind-address = "127.0.0.1:{rpc}"\n'
            f'[meta]\n  dir = "{workdir}/meta"\n'
            f'[data]\n  dir = "{workdir}/data"\n  wal-dir = "{workdir}/wal"\n  query-log-enabled = false\n'
            f'[http]\n  bind-address = "127.0.0.1:{self.port}"\n  log-enabled = false\n'
            '[monitor]\n  store-enabled = false\n')
        self.config = config

    def command(self) -> list[str]:
        return [self.binary, "-config", str(self.config)]

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/ping", timeout=1) as r:
                return bool(r.status == 204)
        except OSError:
            return False

    def query(self, q: str, db: str = "gridhub") -> list[dict[str, object]]:
        """InfluxQL *q*: the series of the first statement's result."""
        url = f"{self.url}/query?" + urllib.parse.urlencode({"db": db, "q": q, "epoch": "ms"})
        data = urllib.request.urlopen(urllib.request.Request(url, method="POST"), timeout=10).read()
        result = json.loads(data)["results"][0]
        assert "error" not in result, result
        series: list[dict[str, object]] = result.get("series", [])
        return series


class VictoriaMetrics(Server):
    """VictoriaMetrics (Debian's `victoria-metrics`): takes the InfluxDB v2 write API, exports JSON lines."""

    name = "victoria-metrics"

    def __init__(self, workdir: Path) -> None:
        self.binary = ensure_installed("victoria-metrics", "victoria-metrics")
        super().__init__(workdir)

    def command(self) -> list[str]:
        return [self.binary, f"-storageDataPath={self.workdir}/data", f"-httpListenAddr=127.0.0.1:{self.port}",
                "-search.latencyOffset=0s", "-loggerLevel=WARN"]

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/health", timeout=1) as r:
                return bool(r.status == 200)
        except OSError:
            return False

    def export(self, match: str = '{__name__=~".+"}') -> list[dict[str, object]]:
        """Every raw sample of the series matching *match* (flushed first, so just-written data is there)."""
        urllib.request.urlopen(f"{self.url}/internal/force_flush", timeout=10).read()
        url = f"{self.url}/api/v1/export?" + urllib.parse.urlencode({"match[]": match})
        lines = urllib.request.urlopen(url, timeout=10).read().decode().splitlines()
        return [json.loads(line) for line in lines if line]
