"""A hub killed with SIGKILL leaves its Janus running; the next hub on that data directory ends it, so one runs.

The hub runs as the real `gridhub run` process, its Janus is Debian's, started by a real call.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from adapters.janus.orphans import end_orphans, record
from tests.support import DEFAULT_TOWN, Mosquitto, free_port, listening

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]
GRIDHUB = str(Path(sys.executable).parent / "gridhub")
PASSWORD = "orphan-test-pw"


def command_line(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")[:-1]
    except OSError:
        return []


def januses(folder: Path) -> list[int]:
    """Every Janus process started on *folder*, by pid."""
    found = []
    for entry in Path("/proc").iterdir():
        argv = command_line(int(entry.name)) if entry.name.isdigit() else []
        if argv and argv[0].endswith("janus") and "-F" in argv and argv[argv.index("-F") + 1] == str(folder):
            found.append(int(entry.name))
    return found


def town_file(tmp_path: Path) -> Path:
    """The sample town with its HJ 212 and SL 651 ports free and its (fictional) cameras off."""
    text = DEFAULT_TOWN.read_text(encoding="utf-8")
    text = text.replace("port: 9212}", f"port: {free_port()}}}")
    text = text.replace("port: 9651}", f"port: {free_port()}}}")
    text = text.replace("  cameras:                 # video analysis", "  cameras:\n    enabled: false\n    # video")
    path = tmp_path / "town.yaml"
    path.write_text(text, encoding="utf-8")
    return path


class HubProcess:
    def __init__(self, tmp_path: Path, broker: Mosquitto) -> None:
        self.data, self.port, self.broker = tmp_path / "data", free_port(), broker
        self.town = town_file(tmp_path)
        self.env = {**os.environ, "GRIDHUB_ADMIN_PASSWORD": PASSWORD}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with (self.data.parent / "hub.log").open("ab") as log:
            self.process = subprocess.Popen(
                [GRIDHUB, "run", "--town", str(self.town), "--mqtt", f"mqtt://127.0.0.1:{self.broker.port}",
                 "--http-port", str(self.port), "--data-dir", str(self.data)], env=self.env, stdout=log, stderr=log)
        deadline = time.monotonic() + 90
        while not listening(self.port):
            assert self.process.poll() is None and time.monotonic() < deadline, self.log()
            time.sleep(0.2)

    def open_call(self) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=60) as http:
            signed = http.post("/api/auth/login", json={"username": "root", "password": PASSWORD})
            assert signed.status_code == 200, signed.text
            headers = {"Authorization": f"Bearer {signed.json()['token']}"}
            call = http.post("/api/calls", headers=headers, json={"title": "试呼", "villages": ["shimen"]})
            assert call.status_code == 201, call.text + self.log()

    def log(self) -> str:
        return (self.data.parent / "hub.log").read_text(errors="replace")[-3000:]


@pytest.fixture
def hub(tmp_path: Path, own_broker: Mosquitto) -> Iterator[HubProcess]:
    running = HubProcess(tmp_path, own_broker)
    subprocess.run([GRIDHUB, "create-admin", "root", "--name", "王强", "--data-dir", str(running.data)],
                   env=running.env, check=True, capture_output=True, timeout=120)
    try:
        yield running
    finally:
        if running.process is not None and running.process.poll() is None:
            running.process.terminate()
            running.process.wait(30)
        for pid in januses(running.data / "janus"):  # whatever the outcome, leave no Janus behind
            os.kill(pid, signal.SIGKILL)


def test_a_restarted_hub_ends_the_janus_a_killed_one_left(hub: HubProcess) -> None:
    folder = hub.data / "janus"
    hub.start()
    hub.open_call()
    [first] = januses(folder)
    assert hub.process is not None
    hub.process.send_signal(signal.SIGKILL)
    hub.process.wait(10)
    time.sleep(1)
    assert januses(folder) == [first]  # the orphan: nothing stopped it
    hub.start()
    hub.open_call()
    running = januses(folder)
    assert len(running) == 1 and first not in running, hub.log()
    assert "was left running by a hub that did not stop" in hub.log()


def test_only_a_process_still_running_the_recorded_command_is_ended(tmp_path: Path) -> None:
    left = subprocess.Popen(["sleep", "60"])  # stands for a camera relay a killed hub left
    other = subprocess.Popen(["sleep", "61"])  # a process that took the pid of a Janus long gone
    try:
        record(tmp_path / "relay-CAM07.pid", left.pid, ["sleep", "60"])
        record(tmp_path / "janus.pid", other.pid, ["/usr/bin/janus", "-F", str(tmp_path)])
        (tmp_path / "relay-CAM13.pid").write_text("not a pid file of ours")
        assert end_orphans(tmp_path) == [left.pid]
        assert left.wait(5) == -signal.SIGTERM and other.poll() is None
        assert list(tmp_path.glob("*.pid")) == []
    finally:
        for process in (left, other):
            process.kill()
            process.wait()
