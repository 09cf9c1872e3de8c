"""A stand-in for WeChat Work's group robot service on a loopback port: a real HTTP server that checks each
message as the robot does, answers with the robot's errcodes, keeps its rate limit, and counts what it took.

Only this external service is faked; the hub under test sends to it over real HTTP.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from hub.gridwork.notices import MARKDOWN_BYTES, TEXT_BYTES

PATH = "/cgi-bin/webhook/send"


@dataclasses.dataclass
class Taken:
    key: str
    msgtype: str
    content: str
    delivery_id: str


class FakeRobots:
    """Robots by key: `taken` holds every message answered ok, `answers` every errcode sent back."""

    def __init__(self, keys: set[str], messages: int = 20, window_s: float = 60.0) -> None:
        self.keys = keys
        self.messages, self.window_s = messages, window_s
        self.taken: list[Taken] = []
        self.answers: list[tuple[str, int]] = []  # (key, errcode), HTTP 500s as -500
        self.fail: dict[str, list[int]] = collections.defaultdict(list)  # key → errcodes to answer next, in turn
        self._sent: dict[str, collections.deque[float]] = collections.defaultdict(collections.deque)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{PATH}"

    def __enter__(self) -> FakeRobots:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def count(self, key: str) -> int:
        with self._lock:
            return sum(1 for t in self.taken if t.key == key)

    def answer(self, key: str, body: bytes, delivery_id: str) -> tuple[int, dict[str, object]]:
        """The robot's HTTP status and JSON for one request."""
        with self._lock:
            if key not in self.keys:
                return self._answered(key, 93000, "invalid webhook url")
            if self.fail[key]:
                code = self.fail[key].pop(0)
                if code == -500:
                    self.answers.append((key, code))
                    return 500, {"errcode": -1, "errmsg": "internal error"}
                return self._answered(key, code, "scripted failure")
            return self._message(key, body, delivery_id)

    def _message(self, key: str, body: bytes, delivery_id: str) -> tuple[int, dict[str, object]]:
        try:
            message = json.loads(body)
            kind = message["msgtype"]
            content = message[kind]["content"]
        except (ValueError, KeyError, TypeError):
            return self._answered(key, 40008, "invalid message type")
        if kind not in ("markdown", "text") or not isinstance(content, str) or \
                len(content.encode()) > (MARKDOWN_BYTES if kind == "markdown" else TEXT_BYTES):
            return self._answered(key, 40058, "content exceed max length")
        if not self._within_rate(key):
            return self._answered(key, 45009, "api freq out of limit")
        self.taken.append(Taken(key, kind, content, delivery_id))
        return self._answered(key, 0, "ok")

    def _within_rate(self, key: str) -> bool:
        sent, now = self._sent[key], time.monotonic()
        while sent and now - sent[0] >= self.window_s:
            sent.popleft()
        if len(sent) >= self.messages:
            return False
        sent.append(now)
        return True

    def _answered(self, key: str, code: int, message: str) -> tuple[int, dict[str, object]]:
        self.answers.append((key, code))
        return 200, {"errcode": code, "errmsg": message}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        robots = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                parts = urlsplit(self.path)
                key = parse_qs(parts.query).get("key", [""])[0]
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status, reply = robots.answer(key, body, self.headers.get("Idempotency-Key", "")) \
                    if parts.path == PATH else (404, {})
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:  # quiet: the tests read `taken` and `answers`
                pass

        return Handler
