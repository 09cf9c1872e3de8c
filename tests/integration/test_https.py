"""The console over HTTPS with the certificate of its own town CA, which a client trusts once."""

from __future__ import annotations

import ssl
from pathlib import Path

import httpx
import pytest

from tests.support import console_url, hub_settings, make_hub, signed_in

pytestmark = pytest.mark.integration


async def test_the_console_over_https_trusted_through_the_town_ca(tmp_path: Path, system_broker_port: int) -> None:
    broker = {"host": "127.0.0.1", "port": system_broker_port, "client_id": "gridhub-https-test"}
    settings = hub_settings(tmp_path, broker, https={"hosts": ["127.0.0.1"]})
    async with make_hub(settings) as hub:
        url = console_url(hub)
        assert url.startswith("https://127.0.0.1:")
        async with httpx.AsyncClient() as stranger:
            with pytest.raises(httpx.ConnectError):  # not trusted yet
                await stranger.get(url)
        async with httpx.AsyncClient(base_url=url, verify=False) as untrusted:
            ca = await untrusted.get("/tls/town-ca.crt")  # what a village downloads and installs
        assert ca.status_code == 200 and ca.headers["content-type"] == "application/x-x509-ca-cert"
        assert ca.content == (tmp_path / "tls" / "town-ca.pem").read_bytes()
        trusted = ssl.create_default_context(cadata=ca.text)
        async with httpx.AsyncClient(base_url=url, verify=trusted, headers=await signed_in(hub)) as http:
            assert (await http.get("/api/status")).status_code == 200
            assert (await http.get("/call/")).status_code == 200
