"""A console process serves HTTPS with the town's certificate and passes requests on to the leader."""

from __future__ import annotations

import asyncio
import json
import ssl
import time
from pathlib import Path

import httpx
import pytest
import websockets

from hub.settings import HttpsSettings
from hub.tls import server_files
from tests.case_api_support import desk_case
from tests.cluster.support import PASSWORD, Cluster

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]


async def test_a_console_process_over_https(cluster: Cluster, tmp_path: Path) -> None:
    # One certificate for every console process, made once from a town CA (here as `gridhub run --https` makes it).
    tls = server_files(HttpsSettings(), tmp_path / "certs", "青溪镇", "127.0.0.1")
    assert tls.ca is not None
    cluster.create_admin()
    cluster.extra_env = {"GRIDHUB_TRUSTED_PROXIES": '["127.0.0.1"]'}  # the leader believes the console's scheme
    cluster.start("core", "c1")
    cluster.extra_env = {"GRIDHUB_HTTPS__CERT_FILE": str(tls.cert), "GRIDHUB_HTTPS__KEY_FILE": str(tls.key)}
    cluster.start("console", "k1")
    cluster.wait_listening("k1")
    base = cluster.url("k1").replace("http://", "https://")
    trusted = ssl.create_default_context(cafile=str(tls.ca))
    # As a page of the console does: its own https:// origin on every change and on the socket.
    async with httpx.AsyncClient(base_url=base, verify=trusted, timeout=10, headers={"Origin": base}) as client:
        await led(client)
        login = await client.post("/api/auth/login", json={"username": "root", "password": PASSWORD})
        assert login.status_code == 200, login.text
        case = await client.post("/api/cases", json=desk_case())
        assert case.status_code == 201, case.text
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    url = "wss" + base.removeprefix("https") + "/ws/alerts"
    async with websockets.connect(url, additional_headers={"Cookie": cookie}, origin=base,  # type: ignore[arg-type]
                                  ssl=trusted) as ws:
        assert json.loads(await ws.recv())["type"] == "snapshot"
    async with httpx.AsyncClient() as stranger:
        with pytest.raises(httpx.ConnectError):  # not without the town CA
            await stranger.get(base, timeout=5)


async def led(client: httpx.AsyncClient, timeout: float = 60) -> None:
    """Until the console finds the core leading (it answers 503 until then)."""
    deadline = time.monotonic() + timeout
    while (await client.get("/api/status")).status_code == 503:
        assert time.monotonic() < deadline, "no leader"
        await asyncio.sleep(0.2)
