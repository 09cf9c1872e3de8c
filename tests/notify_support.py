"""Test helpers for notification channels: realistic notifications and a real HTTP receiver."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from hub.alerts.model import Action, Alert, AlertState, Severity
from hub.alerts.notify import ChainLevel, Notification, Recipient

RAISED_AT = 1_795_334_400.0  # 2026-11-22T08:00:00Z, 16:00 in the town


def river_alert(grid: str | None = "G19", **changes: Any) -> Alert:
    """An orange water-level alert on 清溪河石门水位站 (RS01, grid G19 of 石门村), as a rule would raise it."""
    alert = Alert(id=17, rule="river-warning-level", source="RS01", title="清溪河石门水位站 水位超警戒",
                  severity=Severity.ORANGE, state=AlertState.RAISED,
                  message="水位 58.32 m，超警戒水位 0.32 m，仍在上涨", value=58.32, count=3,
                  raised_at=RAISED_AT, updated_at=RAISED_AT + 600, last_seen_at=RAISED_AT + 600, active=True,
                  device="RS01", grid=grid, village="shimen",
                  detail={"warning_level": 58.0, "guarantee_level": 59.5})
    return alert.evolve(**changes) if changes else alert


def notification(alert: Alert | None = None, action: Action = Action.RAISE,
                 level: ChainLevel = ChainLevel.GRID_WORKER, text: str | None = None,
                 markdown: str | None = None) -> Notification:
    """What the hub would render for *alert* to the grid worker and the village cadre."""
    alert = alert or river_alert()
    title = f"【{alert.severity.label_zh}预警】{alert.title}"
    recipients = (Recipient("谭芳", "18207342575", ChainLevel.GRID_WORKER),
                  Recipient("张清", "18207348141", ChainLevel.VILLAGE_CADRE))
    default_text = (f"{title}\n{alert.message}\n时间：11月22日 16:10\n"
                    "请网格员谭芳立即前往现场核查，并转告沿河住户注意安全。")
    default_md = (f"### <font color=\"warning\">{title}</font>\n> {alert.message}\n"
                  "> 网格：石门村第一网格\n> 时间：11月22日 16:10\n\n请网格员 **谭芳** 立即前往现场核查。")
    return Notification(alert=alert, action=action, level=level, recipients=recipients, title=title,
                        text=text if text is not None else default_text,
                        markdown=markdown if markdown is not None else default_md, ts=RAISED_AT + 600)


@dataclass
class Reply:
    """What the receiver answers to one request."""

    status: int = 200
    body: Any = field(default_factory=lambda: {"errcode": 0, "errmsg": "ok"})
    delay_s: float = 0.0
    raw: bytes | None = None  # sent instead of *body*, as is


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class HttpReceiver:
    """A real HTTP/1.1 server on a free loopback port that records requests and answers as scripted.

    `script` replies are used first, in order; then `default`. Keep-alive
    connections are served request after request, as httpx uses them.
    """

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.script: deque[Reply] = deque()
        self.default = Reply()
        self.port = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def fail_next(self, *replies: Reply) -> None:
        self.script.extend(replies)

    async def __aenter__(self) -> HttpReceiver:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            while True:
                await self._one(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Read one request and answer it."""
        head = await reader.readuntil(b"\r\n\r\n")  # IncompleteReadError when the client is done
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:] if line)}
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        self.received.append(Received(method, path, headers, body))
        reply = self.script.popleft() if self.script else self.default
        if reply.delay_s:
            await asyncio.sleep(reply.delay_s)
        data = reply.raw if reply.raw is not None else json.dumps(reply.body, ensure_ascii=False).encode()
        writer.write(f"HTTP/1.1 {reply.status} Whatever\r\nContent-Type: application/json\r\n"
                     f"Content-Length: {len(data)}\r\n\r\n".encode() + data)
        await writer.drain()

