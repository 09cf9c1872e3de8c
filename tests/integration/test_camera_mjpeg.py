"""An HTTP MJPEG camera (multipart/x-mixed-replace over real HTTP) read through the MJPEG source."""

from __future__ import annotations

import http.server
import socketserver
import threading
import time
from collections.abc import Iterator

import cv2
import numpy as np
import pytest

from streams.sources import CaptureSource, SourceSpec

pytestmark = pytest.mark.integration
FRAMES = 40


class _Camera(http.server.BaseHTTPRequestHandler):
    """What cheap IP cameras serve at /video: JPEG parts, each brighter than the last, then the end."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
        self.end_headers()
        for i in range(FRAMES):
            jpeg = cv2.imencode(".jpg", np.full((240, 320, 3), 5 * i, np.uint8))[1].tobytes()
            head = b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n" % len(jpeg)
            try:
                self.wfile.write(head + jpeg + b"\r\n")
            except OSError:
                return
            time.sleep(0.02)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def camera_url() -> Iterator[str]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Camera)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/video"
    server.shutdown()
    server.server_close()


def test_an_mjpeg_camera_gives_its_frames_in_order_then_ends(camera_url: str) -> None:
    source = CaptureSource(SourceSpec("CAM99", "mjpeg", camera_url, 5.0, 1))
    try:
        frames = []
        while (frame := source.read()) is not None:
            frames.append(frame)
    finally:
        source.close()
    assert len(frames) >= FRAMES - 2 and frames[0].shape == (240, 320, 3)
    brightness = [float(f.mean()) for f in frames]
    assert brightness == sorted(brightness) and brightness[-1] > brightness[0] + 100
