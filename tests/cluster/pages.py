"""A page's view of a console process: a browser signed in through it, and the sockets it opens."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import websockets

from tests.cluster.support import PASSWORD, Cluster, wait_led


@dataclass
class Socket:
    """A page's socket to a console: every message with the monotonic time it came, and how it ended."""

    ws: websockets.ClientConnection
    messages: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    task: asyncio.Task[None] | None = None

    async def _read(self) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            async for raw in self.ws:
                self.messages.append((time.monotonic(), json.loads(raw)))

    async def wait_for(self, check: Any, timeout: float, what: str) -> tuple[float, dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while True:
            found = next(((t, m) for t, m in self.messages if check(m)), None)
            if found is not None:
                return found
            assert self.task is not None and not self.task.done(), f"socket closed ({self.ws.close_code}) before {what}"
            assert time.monotonic() < deadline, f"not within {timeout} s: {what}; got {self.kinds()}"
            await asyncio.sleep(0.01)

    def kinds(self) -> list[str]:
        return [m["type"] for _, m in self.messages]

    def seqs(self) -> list[int]:
        return [m["seq"] for _, m in self.messages if m["type"] == "alert"]


@asynccontextmanager
async def socket(client: httpx.AsyncClient, path: str) -> AsyncIterator[Socket]:
    """*path* opened as the console's page opens it: its session cookie, the console's own Origin."""
    base = str(client.base_url).rstrip("/")
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    async with websockets.connect("ws" + base.removeprefix("http") + path, additional_headers={"Cookie": cookie},
                                  origin=base) as ws:  # type: ignore[arg-type]
        opened = Socket(ws)
        opened.task = asyncio.create_task(opened._read())
        try:
            yield opened
        finally:
            opened.task.cancel()


@asynccontextmanager
async def browser(base: str, username: str = "root", password: str = PASSWORD) -> AsyncIterator[httpx.AsyncClient]:
    """A browser on the console at *base*, signed in as *username* (sign-in goes to the leader)."""
    async with httpx.AsyncClient(base_url=base, timeout=10, headers={"Origin": base}) as client:
        answer = await client.post("/api/auth/login", json={"username": username, "password": password})
        assert answer.status_code == 200, answer.text
        yield client


def start(cluster: Cluster, processes: list[tuple[str, str]]) -> None:
    cluster.create_admin()
    for role, name in processes:
        cluster.start(role, name)
    consoles = [name for role, name in processes if role == "console"]
    for name in consoles:
        cluster.wait_listening(name)
    for name in consoles:
        wait_led(cluster.url(name))
