"""A console process serves HTTPS with the town's certificate and passes requests on to the leader."""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from console.tls import server_files
from hub.settings import HttpsSettings
from tests.cluster.support import PASSWORD, Cluster
from tests.support import Mosquitto

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]


@pytest.fixture
def cluster(tmp_path: Path, postgres_url: str) -> Iterator[Cluster]:
    broker = Mosquitto(tmp_path / "mosquitto")
    broker.start()
    town = Cluster(tmp_path, postgres_url, broker.port)
    try:
        yield town
    finally:
        town.stop()
        broker.stop()


def test_a_console_process_over_https(cluster: Cluster, tmp_path: Path) -> None:
    # One certificate for every console process, made once from a town CA (here as `gridhub run --https` makes it).
    tls = server_files(HttpsSettings(), tmp_path / "certs", "青溪镇", "127.0.0.1")
    assert tls.ca is not None
    cluster.create_admin()
    cluster.start("core", "c1")
    cluster.extra_env = {"GRIDHUB_HTTPS__CERT_FILE": str(tls.cert), "GRIDHUB_HTTPS__KEY_FILE": str(tls.key)}
    cluster.start("console", "k1")
    cluster.wait_listening("k1")
    base = cluster.url("k1").replace("http://", "https://")
    trusted = ssl.create_default_context(cafile=str(tls.ca))
    with httpx.Client(base_url=base, verify=trusted, timeout=10, headers={"Origin": base}) as client:
        deadline = time.monotonic() + 60
        while (login := client.post("/api/auth/login", json={"username": "root", "password": PASSWORD})) \
                .status_code == 503:  # until the core leads
            assert time.monotonic() < deadline, login.text
            time.sleep(0.2)
        assert login.status_code == 200, login.text
        assert client.get("/api/status").status_code == 200
    with pytest.raises(httpx.ConnectError):  # not plain HTTP, and not without the town CA
        httpx.get(base, timeout=5)
