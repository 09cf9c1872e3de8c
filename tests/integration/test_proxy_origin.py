"""A console process passes a browser's change to the leader, which judges its origin as the browser sent it.

The cluster's console (adapters/cluster/proxy.py) forwards the page's Host, Origin, Referer and Sec-Fetch-Site,
so the leader compares them with the address the browser used: a page of the console process passes, a page
of another site, or of the same host over HTTPS, is refused. Only where the leader is comes from a fixed answer
here instead of PostgreSQL (tests/cluster runs the whole town).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn

from adapters.cluster.proxy import LeaderDirectory, proxy_app
from tests.support import PASSWORD, account, console_url, free_port, hub_settings, make_hub, wait_for

pytestmark = pytest.mark.integration


class FixedLeader(LeaderDirectory):
    def __init__(self, url: str) -> None:  # no PostgreSQL: the leader is where the test says
        self.url = url

    async def leader(self, fresh: bool = False) -> str | None:
        return self.url


@asynccontextmanager
async def console_process(leader: str) -> AsyncIterator[str]:
    """A console process's proxy in front of *leader*: its base URL."""
    async with httpx.AsyncClient(timeout=30) as client:
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(proxy_app(FixedLeader(leader), client), host="127.0.0.1", port=port,
                                               log_level="warning", lifespan="off"))
        task = asyncio.create_task(server.serve())
        await wait_for(lambda: server.started, what="the console process listening")
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            await task


async def test_a_page_of_the_console_process_acts_and_another_site_does_not(tmp_path: Path) -> None:
    async with make_hub(hub_settings(tmp_path, None)) as hub, \
            console_process(console_url(hub).rstrip("/")) as ours, httpx.AsyncClient(base_url=ours) as http:
        await account(hub)
        signed = await http.post("/api/auth/login", json={"username": "officer", "password": PASSWORD},
                                 headers={"Origin": ours})
        assert signed.status_code == 200, signed.text
        page = {"Origin": ours, "Referer": f"{ours}/", "Sec-Fetch-Site": "same-origin"}
        assert (await http.post("/api/alerts/1/acknowledge", json={}, headers=page)).status_code == 404  # through
        for forged in ({"Origin": ours.replace("http://", "https://")}, {"Referer": "http://evil.example/"},
                       {"Sec-Fetch-Site": "cross-site"}):
            refused = await http.post("/api/alerts/1/acknowledge", json={}, headers=forged)
            assert refused.status_code == 403, forged
