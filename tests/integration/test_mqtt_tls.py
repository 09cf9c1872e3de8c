"""The hub on a broker that demands TLS, a client certificate and a password."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from hub.settings import MqttSettings
from tests.support import Mosquitto, free_port, hub_settings, listening, make_hub, wait_for

pytestmark = pytest.mark.integration


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_pki(d: Path) -> None:
    """A town CA, a broker certificate for 127.0.0.1 and a client certificate for the hub."""
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=town-ca",
            "-keyout", "ca.key", "-out", "ca.pem", cwd=d)
    for name, ext in (("broker", "subjectAltName=IP:127.0.0.1"), ("hub", "extendedKeyUsage=clientAuth")):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}", "-keyout", f"{name}.key",
                "-out", f"{name}.csr", cwd=d)
        (d / f"{name}.ext").write_text(ext + "\n")
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-days", "2", "-extfile", f"{name}.ext", "-out", f"{name}.pem", cwd=d)


@pytest.fixture
def tls_broker(tmp_path: Path) -> Iterator[tuple[Mosquitto, int, Path]]:
    pki = tmp_path / "pki"
    pki.mkdir()
    make_pki(pki)
    subprocess.run(["mosquitto_passwd", "-b", "-c", str(pki / "passwd"), "hub", "s3cret"], check=True)
    os.chmod(pki / "passwd", 0o600)
    tls_port = free_port()
    broker = Mosquitto(tmp_path / "mosquitto", extra=(
        f"listener {tls_port} 127.0.0.1\ncafile {pki}/ca.pem\ncertfile {pki}/broker.pem\n"
        f"keyfile {pki}/broker.key\nrequire_certificate true\npassword_file {pki}/passwd\n"
        "allow_anonymous false\n"))
    broker.start()
    deadline = time.monotonic() + 10
    while not listening(tls_port) and time.monotonic() < deadline:
        time.sleep(0.05)
    yield broker, tls_port, pki
    broker.stop()


async def test_tls_client_certificate_and_password(tmp_path: Path, tls_broker: tuple[Mosquitto, int, Path]) -> None:
    broker, tls_port, pki = tls_broker
    settings = MqttSettings.from_url(f"mqtts://hub:s3cret@127.0.0.1:{tls_port}", ca_file=pki / "ca.pem",
                                     cert_file=pki / "hub.pem", key_file=pki / "hub.key",
                                     client_id=f"gridhub-tls-{uuid.uuid4().hex[:6]}")
    async with make_hub(hub_settings(tmp_path / "hub", settings)) as hub:
        await wait_for(lambda: hub.ctx.metrics.mqtt_up, what="TLS connection")
        topic = hub.ctx.town.device_map()["RS01"].topic
        assert topic is not None
        payload = orjson.dumps({"ts": int(time.time() * 1000), "wl": 5321})
        # A device on the plain listener of the same broker; the hub reads over TLS.
        subprocess.run(["mosquitto_pub", "-p", str(broker.port), "-q", "1", "-t", topic, "-m", payload],
                       check=True)
        await wait_for(lambda: hub.ctx.store.count_readings() == 1, what="reading over TLS")


async def test_wrong_password_is_refused(tmp_path: Path, tls_broker: tuple[Mosquitto, int, Path]) -> None:
    _, tls_port, pki = tls_broker
    settings = MqttSettings.from_url(f"mqtts://hub:wrong@127.0.0.1:{tls_port}", ca_file=pki / "ca.pem",
                                     cert_file=pki / "hub.pem", key_file=pki / "hub.key")
    async with make_hub(hub_settings(tmp_path / "hub", settings)) as hub:
        await asyncio.sleep(2.0)  # long enough for a connection attempt and a retry
        assert not hub.ctx.metrics.mqtt_up
        assert hub.ctx.metrics.mqtt_reconnects._value.get() == 0
