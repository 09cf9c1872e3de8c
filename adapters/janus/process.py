"""Janus as a child process of the hub: configured in the data dir, ready when its API answers, stopped cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import socket
import time
from pathlib import Path

from adapters.janus.config import JanusSection
from adapters.janus.connection import JanusConnection
from adapters.janus.jcfg import Secrets, write
from adapters.janus.orphans import end_orphan, forget, record

log = logging.getLogger(__name__)
START_TIMEOUT_S = 15.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class JanusProcess:
    """Our own Janus; `url` and `secrets` are what the hub's connections use."""

    def __init__(self, section: JanusSection, folder: Path) -> None:
        self.section = section
        self.folder = folder
        self.port = section.ws_port or free_port()
        self.secrets = Secrets(secrets.token_urlsafe(24), secrets.token_urlsafe(24))
        self.process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def log_file(self) -> Path:
        return self.folder / "janus.log"

    @property
    def pid_file(self) -> Path:
        return self.folder / "janus.pid"

    async def start(self) -> None:
        await asyncio.to_thread(end_orphan, self.pid_file, "janus")  # a killed hub's, on this folder: never two
        config = write(self.section, self.folder, self.port, self.secrets)
        argv = [str(self.section.binary), "-C", str(config), "-F", str(self.folder), "-o"]
        with self.log_file.open("ab") as out:
            self.process = await asyncio.create_subprocess_exec(
                *argv, stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True)
        record(self.pid_file, self.process.pid, argv)
        deadline = time.monotonic() + START_TIMEOUT_S
        while not await self._answers():
            if self.process.returncode is not None or time.monotonic() > deadline:
                await self.stop()
                raise RuntimeError(f"janus did not start; see {self.log_file}:\n{self._tail()}")
            await asyncio.sleep(0.1)
        log.info("janus %s on %s (log %s)", self.process.pid, self.url, self.log_file)

    async def _answers(self) -> bool:
        with contextlib.suppress(Exception):  # not up yet: refused, reset or silent
            async with asyncio.timeout(2), JanusConnection.open(self.url, self.secrets.api_secret):
                return True
        return False

    async def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.returncode is not None:
            forget(self.pid_file)
            return
        process.terminate()  # Janus closes its sessions and ports on SIGTERM
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            log.warning("janus %d did not stop in 10 s; killing it", process.pid)
            process.kill()
            await process.wait()
        forget(self.pid_file)

    def _tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""
