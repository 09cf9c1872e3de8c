"""A browser's live feed through a console process: the socket reaches the leader as the page's own."""

from __future__ import annotations

import json

import pytest
import websockets

from tests.cluster.support import Cluster, signed_in, wait_led

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]


async def test_a_pages_socket_through_a_console_gets_the_alert_feed(cluster: Cluster) -> None:
    cluster.create_admin()
    cluster.start("core", "c1")
    cluster.start("console", "k1")
    cluster.wait_listening("k1")
    base = cluster.url("k1")
    wait_led(base)
    client = signed_in(base)
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    client.close()
    # As a browser opens it: the console's own address as Origin, which the leader checks against Host.
    url = "ws" + base.removeprefix("http") + "/ws/alerts"
    async with websockets.connect(url, additional_headers={"Cookie": cookie}, origin=base) as ws:  # type: ignore[arg-type]
        first = json.loads(await ws.recv())
    assert first["type"] == "snapshot"
