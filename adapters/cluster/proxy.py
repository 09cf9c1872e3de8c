"""A console process's pass-through: each request and socket it does not serve itself, to the core leader.

Actions, sign-in and the reads that need the leader's memory go this way, so an action on any console
reaches the leader and shows on every screen. After the leader changes, requests go to the new one within a
second; sockets passed through are closed with 1012 (service restart) and the pages reconnect and resume by
sequence number, as after any drop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any
from urllib.parse import urlsplit

import httpx
import psycopg
import websockets
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect
from websockets.exceptions import ConnectionClosed

from adapters.cluster.pg import connect, ensure_tables

log = logging.getLogger(__name__)
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
                        "transfer-encoding", "upgrade", "host", "content-length"})
FORWARDED = frozenset({"x-forwarded-for", "x-forwarded-proto"})  # this process says what it saw instead
LEADER_TTL_S = 1.0
SERVICE_RESTART = 1012


class LeaderDirectory:
    """Where the core leader's console is, read from PostgreSQL and kept for a second."""

    def __init__(self, url: str, town: str, name: str) -> None:
        self._url, self._town, self._name = url, town, name
        self._conn: psycopg.AsyncConnection[tuple[object, ...]] | None = None
        self._found: tuple[float, str | None] = (0.0, None)
        self._lock = asyncio.Lock()

    async def leader(self, fresh: bool = False) -> str | None:
        async with self._lock:
            at, url = self._found
            if fresh or time.monotonic() - at > LEADER_TTL_S:
                url = await self._read()
                self._found = (time.monotonic(), url)
            return url

    async def _read(self) -> str | None:
        try:
            if self._conn is None or self._conn.closed:
                self._conn = await connect(self._url, f"gh-console-{self._name}")
                await ensure_tables(self._conn)
            row = await (await self._conn.execute("SELECT console_url FROM gridhub_leaders WHERE town = %s",
                                                  (self._town,))).fetchone()
        except psycopg.Error as exc:
            log.warning("console: cannot read the leader from PostgreSQL (%s)", exc)
            self._conn = None
            return None
        return str(row[0]).rstrip("/") if row and row[0] else None

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()


def proxy_app(directory: LeaderDirectory, client: httpx.AsyncClient) -> Starlette:
    """Every path, HTTP and WebSocket, passed to the leader's console."""

    async def http(request: Request) -> Response:
        for fresh in (False, True):  # a refused connection was never sent: safe to try the new leader
            leader = await directory.leader(fresh)
            if leader is None:
                break
            try:
                return await _forward(client, leader, request)
            except httpx.ConnectError:
                continue
        return PlainTextResponse("no core process leads right now; try again in a few seconds", 503,
                                 headers={"Retry-After": "2"})

    async def socket(websocket: WebSocket) -> None:
        leader = await directory.leader()
        if leader is None:
            await websocket.close(SERVICE_RESTART, "no leader")
            return
        await _bridge(websocket, leader)

    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    return Starlette(routes=[WebSocketRoute("/{path:path}", socket), Route("/{path:path}", http, methods=methods)])


def _headers(headers: object, client_host: str | None, scheme: str) -> list[tuple[str, str]]:
    """The request's headers for the leader, naming the client this process saw (after its own trusted proxies) and
    the scheme it was reached by, which the leader believes if it trusts this process (GRIDHUB_TRUSTED_PROXIES)."""
    items = [(k, v) for k, v in headers.items()  # type: ignore[attr-defined]
             if k.lower() not in HOP_BY_HOP and k.lower() not in FORWARDED]
    return [*items, *_forwarded(client_host, scheme)]


def _forwarded(client_host: str | None, scheme: str) -> list[tuple[str, str]]:
    proto = [("x-forwarded-proto", "https" if scheme in ("https", "wss") else "http")]
    return [*proto, ("x-forwarded-for", client_host)] if client_host else proto


async def _forward(client: httpx.AsyncClient, leader: str, request: Request) -> Response:
    url = leader + request.url.path + (f"?{request.url.query}" if request.url.query else "")
    headers = _headers(request.headers, request.client.host if request.client else None, request.url.scheme)
    headers.append(("host", request.headers.get("host", "")))
    upstream = await client.send(client.build_request(request.method, url, headers=headers,
                                                      content=await request.body()), stream=True)
    kept = [(k, v) for k, v in upstream.headers.multi_items() if k.lower() not in HOP_BY_HOP]
    response = StreamingResponse(upstream.aiter_raw(), upstream.status_code, background=BackgroundTask(upstream.aclose))
    response.raw_headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in kept]
    return response


async def _bridge(websocket: WebSocket, leader: str) -> None:
    """Pass frames both ways until either side closes, handing on the close code (4401, 4403, 4008 …)."""
    headers = [(k, v) for k, v in websocket.headers.items()
               if k.lower() in ("cookie", "origin", "authorization", "user-agent")]
    headers += _forwarded(websocket.client.host if websocket.client else None, websocket.url.scheme)
    url, where = _upstream(websocket, leader)
    try:
        upstream = await websockets.connect(url, additional_headers=headers, max_size=None, open_timeout=5, **where)
    except (OSError, websockets.InvalidHandshake, TimeoutError) as exc:
        log.warning("console: the leader refused a socket to %s (%s)", websocket.url.path, exc)
        await websocket.close(SERVICE_RESTART, "leader unavailable")
        return
    await websocket.accept()
    code, reason = SERVICE_RESTART, "leader gone"
    async with upstream:
        down = asyncio.create_task(_to_browser(upstream, websocket))
        up = asyncio.create_task(_to_leader(websocket, upstream))
        done, pending = await asyncio.wait({down, up}, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        if down in done and upstream.close_code is not None:
            code, reason = upstream.close_code, upstream.close_reason or ""
    with contextlib.suppress(RuntimeError, WebSocketDisconnect):
        await websocket.close(code, reason)


def _upstream(websocket: WebSocket, leader: str) -> tuple[str, dict[str, Any]]:
    """The leader's socket URL under the page's own Host, and where to connect for it.

    The leader admits a page's socket only if its Origin names the Host it was asked for (console.auth), so the
    socket carries the page's Host, as the HTTP requests passed on do, while it connects to the leader's address.
    """
    target = urlsplit(leader)
    secure = target.scheme == "https"
    query = f"?{websocket.url.query}" if websocket.url.query else ""
    url = f"{'wss' if secure else 'ws'}://{websocket.headers.get('host') or target.netloc}{websocket.url.path}{query}"
    where: dict[str, Any] = {"host": target.hostname, "port": target.port or (443 if secure else 80),
                             "proxy": None}  # the leader is on the town's own network
    if secure:
        where["server_hostname"] = target.hostname
    return url, where


async def _to_browser(upstream: websockets.ClientConnection, websocket: WebSocket) -> None:
    with contextlib.suppress(ConnectionClosed, RuntimeError, WebSocketDisconnect):
        async for message in upstream:
            if isinstance(message, bytes):
                await websocket.send_bytes(message)
            else:
                await websocket.send_text(message)


async def _to_leader(websocket: WebSocket, upstream: websockets.ClientConnection) -> None:
    with contextlib.suppress(ConnectionClosed, RuntimeError, WebSocketDisconnect):
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            await upstream.send(message.get("text") or message.get("bytes") or b"")
