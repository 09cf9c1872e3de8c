"""Simulated IP cameras for the cluster tests: HTTP MJPEG streams that can be taken down one by one, and which
OS process reads each (from the TCP connections it holds)."""

from __future__ import annotations

import http.server
import socketserver
import threading
import time
from pathlib import Path

import cv2
import numpy as np
import yaml

from tests.cluster.support import sample_town_file

FPS = 4


class CameraServer:
    """Serves `/<camera id>` as live MJPEG; remembers the client port of every open stream, per camera."""

    def __init__(self) -> None:
        self.down: set[str] = set()
        self.moving: set[str] = set()  # cameras whose picture shows something moving across
        self.streams: dict[str, set[int]] = {}
        self._lock = threading.Lock()
        self._jpeg = cv2.imencode(".jpg", np.full((90, 160, 3), 120, np.uint8))[1].tobytes()
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def readers(self, camera: str) -> set[int]:
        with self._lock:
            return set(self.streams.get(camera, ()))

    def close(self) -> None:
        self.down = {"*"}
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        server = self

        class Camera(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                camera = self.path.strip("/")
                if camera in server.down or "*" in server.down:
                    self.send_error(503)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
                self.end_headers()
                port = self.client_address[1]
                with server._lock:
                    server.streams.setdefault(camera, set()).add(port)
                try:
                    server._stream(self, camera)
                finally:
                    with server._lock:
                        server.streams[camera].discard(port)

            def log_message(self, *args: object) -> None:
                pass

        return Camera

    def _stream(self, handler: http.server.BaseHTTPRequestHandler, camera: str) -> None:
        while camera not in self.down and "*" not in self.down:
            jpeg = _moving(time.monotonic()) if camera in self.moving else self._jpeg
            head = b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n" % len(jpeg)
            try:
                handler.wfile.write(head + jpeg + b"\r\n")
                handler.wfile.flush()
            except OSError:
                return
            time.sleep(1 / FPS)


def _moving(t: float) -> bytes:
    """A dark square crossing the picture, a fifth of its width a second."""
    frame = np.full((90, 160, 3), 120, np.uint8)
    x = int(t * 32) % 130
    frame[30:60, x:x + 30] = 10
    return bytes(cv2.imencode(".jpg", frame)[1].tobytes())


def camera_town(path: Path, camera_port: int) -> Path:
    """The sample town, every camera an MJPEG stream of *camera_port*, judged offline after 3 s without frames."""
    sample_town_file(path)
    town = yaml.safe_load(path.read_text(encoding="utf-8"))
    for device in town["devices"]:
        if device["kind"] == "camera":
            device["adapter"], device["address"] = "mjpeg", f"http://127.0.0.1:{camera_port}/{device['id']}"
    town["adapters"]["cameras"].update({"detect_fps": 1, "stall_s": 3, "open_timeout_s": 3, "backoff_min_s": 0.5,
                                        "backoff_max_s": 2, "tamper": {"enabled": False}})
    path.write_text(yaml.safe_dump(town, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def cameras_of(town: Path) -> list[str]:
    devices = yaml.safe_load(town.read_text(encoding="utf-8"))["devices"]
    return [d["id"] for d in devices if d["kind"] == "camera"]


def process_of(client_port: int, server_port: int, pids: dict[str, int]) -> str | None:
    """Which of *pids* (by name) holds the TCP socket from *client_port* to *server_port* (both ends, since one
    local port may serve connections to other servers too)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            ends = int(fields[1].rsplit(":", 1)[1], 16), int(fields[2].rsplit(":", 1)[1], 16)
            if ends == (client_port, server_port) and fields[9] != "0":  # 0: closed, waiting out TIME_WAIT
                inodes.add(fields[9])
    for name, pid in pids.items():
        if any(f"socket:[{inode}]" in _fds(pid) for inode in inodes):
            return name
    return None


def _fds(pid: int) -> set[str]:
    links = set()
    try:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                links.add(str(fd.readlink()))
            except OSError:  # closed meanwhile
                continue
    except OSError:  # the process is gone
        pass
    return links
