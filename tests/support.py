"""Test helpers: a real Mosquitto we start ourselves, publishers, hubs and waiting."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from hub.app import Hub
from hub.clock import Clock
from hub.configfile import ConfigError
from hub.register.crypto import new_key
from hub.registry import Registry
from hub.settings import DEFAULT_TOWN, HubSettings, MqttSettings
from hub.townfile import LoadedTown, load_town
from hub.users.model import Role


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def listening(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def ensure_mosquitto_installed() -> str:
    """The mosquitto binary, installed from Debian when missing and we are root."""
    found = shutil.which("mosquitto") or (os.path.exists("/usr/sbin/mosquitto") and "/usr/sbin/mosquitto")
    if found:
        return str(found)
    if os.geteuid() != 0:
        raise RuntimeError("mosquitto is not installed and installing it needs root (apt-get install mosquitto)")
    subprocess.run(["apt-get", "update", "-q"], check=True, capture_output=True)
    subprocess.run(["apt-get", "install", "-y", "-q", "mosquitto", "mosquitto-clients"], check=True,
                   capture_output=True, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    return shutil.which("mosquitto") or "/usr/sbin/mosquitto"


class Mosquitto:
    """A Mosquitto of our own on a free loopback port, with persistence, restartable."""

    def __init__(self, workdir: Path, port: int | None = None, extra: str = "") -> None:
        self.binary = ensure_mosquitto_installed()
        self.port = port or free_port()
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.config = workdir / "mosquitto.conf"
        self.config.write_text(
            f"per_listener_settings true\npersistence true\npersistence_location {workdir}/\n"
            "max_queued_messages 0\nmax_inflight_messages 0\n"
            + ("user root\n" if os.geteuid() == 0 else "")
            + f"listener {self.port} 127.0.0.1\nallow_anonymous true\n" + extra)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with (self.workdir / "mosquitto.log").open("ab") as log:
            self.process = subprocess.Popen([self.binary, "-c", str(self.config)], stdout=log, stderr=log)
        deadline = time.monotonic() + 10
        while not listening(self.port):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"mosquitto did not start; see {self.workdir}/mosquitto.log")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    def settings(self, protocol: str = "5", client_id: str = "gridhub-test") -> MqttSettings:
        return MqttSettings(host="127.0.0.1", port=self.port, protocol=protocol,  # type: ignore[arg-type]
                            client_id=client_id, keepalive_s=5)


class ManualClock:
    """The hub's clock, moved by the test; starts at *now* (default: the real time)."""

    def __init__(self, now: float | None = None) -> None:
        self.now = time.time() if now is None else now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        self.now += seconds
        return self.now


def broken_town(tmp_path: Path, change: str, replacement: str) -> Path:
    """The sample town file with its first *change* replaced, written under *tmp_path*."""
    text = DEFAULT_TOWN.read_text(encoding="utf-8")
    assert change in text, change
    path = tmp_path / "town.yaml"
    path.write_text(text.replace(change, replacement, 1), encoding="utf-8")
    return path


class Publisher:
    """A device-side MQTT client that publishes with QoS 1 and keeps its session."""

    def __init__(self, port: int, client_id: str = "test-device", protocol: int = mqtt.MQTTv311) -> None:
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=protocol,
                                  clean_session=False if protocol != mqtt.MQTTv5 else None)
        self.sent: set[int] = set()
        self.acked: set[int] = set()
        self.client.on_publish = lambda _client, _userdata, mid, _rc, _props: self.acked.add(mid)
        self.client.reconnect_delay_set(0.2, 2)
        self.client.max_queued_messages_set(0)
        self.client.connect_async("127.0.0.1", port, keepalive=5)
        self.client.loop_start()
        deadline = time.monotonic() + 10
        while not self.client.is_connected():
            if time.monotonic() > deadline:
                raise RuntimeError("publisher could not connect")
            time.sleep(0.02)

    def publish(self, topic: str, payload: bytes | str, retain: bool = False) -> mqtt.MQTTMessageInfo:
        info = self.client.publish(topic, payload, qos=1, retain=retain)
        self.sent.add(info.mid)
        return info

    @classmethod
    async def open(cls, port: int, client_id: str) -> Publisher:
        """Connect from a thread, so that a broker on this event loop can answer."""
        return await asyncio.to_thread(cls, port, client_id)

    async def aclose(self) -> None:
        await asyncio.to_thread(self.close)

    def close(self, timeout: float = 30.0) -> None:
        """Disconnect once the broker has acknowledged everything published."""
        deadline = time.monotonic() + timeout
        # Counted from on_publish, not MQTTMessageInfo: a message published while the broker was away
        # keeps its "not connected" code even after paho has sent it on reconnecting.
        while not self.sent <= self.acked and time.monotonic() < deadline:
            time.sleep(0.02)
        self.client.disconnect()
        self.client.loop_stop()


@functools.cache
def sample_town() -> LoadedTown:
    """The sample town, its HJ 212 and SL 651 servers on free ports (a running demo keeps its own), no cameras."""
    loaded = load_town(DEFAULT_TOWN, Registry.discover())
    hj212 = loaded.sections["hj212"]
    listen = hj212.listen.model_copy(update={"port": free_port()})
    hj212 = hj212.model_copy(update={"listen": listen})
    sl651 = loaded.sections["sl651"]
    sl651 = sl651.model_copy(update={"listen": sl651.listen.model_copy(update={"port": free_port()})})
    # The sample town's cameras have fictional addresses: camera tests bring their own.
    cameras = loaded.sections["cameras"].model_copy(update={"enabled": False})
    return dataclasses.replace(loaded, sections={**loaded.sections, "hj212": hj212, "sl651": sl651,
                                                "cameras": cameras})


def hub_settings(tmp: Path, broker: MqttSettings | None, **extra: object) -> HubSettings:
    # Without a broker the hub embeds one: on a port of its own, not the default a running demo may hold.
    embedded = {"embedded_port": free_port()} if broker is None else {}
    return HubSettings.model_validate({"town_file": DEFAULT_TOWN, "data_dir": tmp, "http_port": 0, "mqtt": broker,
                                       "health_check_s": 0.2, "register_key": REGISTER_KEY, **embedded, **extra})


def make_hub(settings: HubSettings, town: LoadedTown | None = None, clock: Clock | None = None) -> Hub:
    return Hub(settings, town or sample_town(), Registry.discover(), clock)


async def wait_for(predicate: Callable[[], bool | Awaitable[bool]], timeout: float = 15.0,
                   what: str = "condition") -> None:
    """Poll *predicate* until true; fail with *what* after *timeout* seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if isinstance(result, Awaitable):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.05)


PASSWORD = "correct horse battery"
REGISTER_KEY = new_key()  # the register's key for every test hub, as GRIDHUB_REGISTER_KEY gives it


async def account(hub: Hub, role: Role = Role.officer, village: str | None = None, name: str = "张伟") -> str:
    """An account of *role* (of *village*, for a cadre; of grid G19, in shimen, for a grid worker) on the running
    hub: its username."""
    username = f"{role.value}.{village}" if village else role.value
    if username not in hub.ctx.users.users:
        grids = ("G19",) if role is Role.grid_worker else ()
        await hub.ctx.users.create(username, PASSWORD, name, role, village, grids=grids)
    return username


async def signed_in(hub: Hub, role: Role = Role.officer, village: str | None = None) -> dict[str, str]:
    """The Authorization header of a fresh session of an account of *role*, as `headers=` takes it."""
    token, _ = await hub.ctx.users.sign_in(await account(hub, role, village), PASSWORD, "127.0.0.1")
    return {"Authorization": f"Bearer {token}"}


def console_url(hub: Hub) -> str:
    """The running console's base URL, ending in a slash."""
    return str(next(getattr(s, "url", "") for s in hub.services if s.name == "console"))


async def publish_level(port: int, device: str, hub: Hub, metres: float, ts: float | None = None) -> None:
    """A vendor A station report (level in cm) on the station's own topic, acknowledged by the broker."""
    topic = hub.ctx.town.device_map()[device].topic
    assert topic is not None
    publisher = await Publisher.open(port, f"rtu-{os.urandom(3).hex()}")
    body = f'{{"ts": {int((ts or time.time()) * 1000)}, "wl": {round(metres * 100)}}}'
    publisher.publish(topic, body)
    await publisher.aclose()


def problems(path: Path) -> list[str]:
    """Every problem loading the town file at *path* reports, as `file:line: key: reason`."""
    with pytest.raises(ConfigError) as info:
        load_town(path, Registry.discover())
    return [str(p) for p in info.value.problems]


def line_of(path: Path, needle: str) -> int:
    """The first line of *path* that contains *needle* (1-based)."""
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)
