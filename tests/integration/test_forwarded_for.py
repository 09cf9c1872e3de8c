"""Whose address the console records and throttles: the connection's, unless it comes from a trusted proxy."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
import uvicorn
from sqlalchemy.pool import NullPool

from adapters.cluster.proxy import LeaderDirectory, proxy_app
from hub.app import Hub
from hub.users.model import AuditEntry, AuditQuery
from tests.support import console_url, free_port, hub_settings, make_hub, wait_for

pytestmark = pytest.mark.integration
FORGED = "203.0.113.7"


async def failed_sign_ins(base: str, count: int, transport: httpx.AsyncHTTPTransport | None = None) -> list[int]:
    """*count* wrong passwords to different accounts, each claiming another address: their statuses."""
    async with httpx.AsyncClient(base_url=base, transport=transport) as http:
        return [(await http.post("/api/auth/login", json={"username": f"nobody{i}", "password": "wrong password"},
                                 headers={"X-Forwarded-For": f"198.51.100.{i}"})).status_code for i in range(count)]


async def sign_in_addresses(hub: Hub, count: int) -> set[str]:
    """The addresses the audit log recorded for the last *count* sign-ins, once all are written."""
    found: list[AuditEntry] = []

    async def written() -> bool:
        found[:] = [e for e in await hub.ctx.users.audit(AuditQuery(limit=1000)) if "login" in e.action]
        return len(found) >= count
    await wait_for(written, what=f"{count} sign-ins in the audit log")
    return {e.ip for e in found}


async def test_a_forged_forwarded_for_from_loopback_is_not_believed(tmp_path: Path) -> None:
    async with make_hub(hub_settings(tmp_path, None)) as hub:
        statuses = await failed_sign_ins(console_url(hub), 35)
        assert statuses[:30] == [401] * 30 and statuses[30:] == [429] * 5  # 30 failures from one address
        assert await sign_in_addresses(hub, 35) == {"127.0.0.1"}


async def test_a_trusted_proxy_names_the_client(tmp_path: Path) -> None:
    async with make_hub(hub_settings(tmp_path, None, trusted_proxies=["127.0.0.0/8"])) as hub:
        statuses = await failed_sign_ins(console_url(hub), 35)
        assert set(statuses) == {401}  # 35 clients, one failure each
        assert await sign_in_addresses(hub, 35) == {f"198.51.100.{i}" for i in range(35)}


@asynccontextmanager
async def console_process(postgres_url: str, leader: str) -> AsyncIterator[str]:
    """A multi-process console (adapters.cluster.proxy) on loopback, its leader's console found in PostgreSQL."""
    directory = LeaderDirectory(postgres_url, "town", "k1")
    assert await directory.leader() is None  # makes the leaders' table
    with sa.create_engine(postgres_url, poolclass=NullPool).begin() as conn:
        conn.execute(sa.text("INSERT INTO gridhub_leaders (town, name, console_url) VALUES ('town', 'c1', :url)"),
                     {"url": leader})
    assert await directory.leader(fresh=True) == leader
    port = free_port()
    async with httpx.AsyncClient() as client:
        server = uvicorn.Server(uvicorn.Config(proxy_app(directory, client), host="127.0.0.1", port=port,
                                               log_level="warning", lifespan="off", proxy_headers=False))
        task = asyncio.create_task(server.serve())
        await wait_for(lambda: server.started, what="the console process")
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            await task
            await directory.close()


async def test_the_console_process_passes_on_the_client_it_saw(tmp_path: Path, postgres_url: str) -> None:
    # The leader trusts its console processes (here on 127.0.0.1); the browser comes from 127.0.0.2 and lies.
    async with make_hub(hub_settings(tmp_path, None, trusted_proxies=["127.0.0.1"])) as hub, \
            console_process(postgres_url, console_url(hub).rstrip("/")) as console:
        statuses = await failed_sign_ins(console, 3, httpx.AsyncHTTPTransport(local_address="127.0.0.2"))
        assert statuses == [401] * 3
        assert await sign_in_addresses(hub, 3) == {"127.0.0.2"}
