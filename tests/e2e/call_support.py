"""What the call's browser tests and its benchmark share: Chromium with fake camera and microphone, a signed-in
call page, and frames decoded as getStats() counts them."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from playwright.async_api import Browser, BrowserContext, Page, Playwright

CHROMIUM = "/usr/bin/chromium"  # Debian's; `bash scripts/setup --dev` installs it (never `playwright install`)
CALL_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
             "--autoplay-policy=no-user-gesture-required",
             # Many pages in one browser, all in view: none may be throttled as a background tab.
             "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
             "--disable-backgrounding-occluded-windows"]


async def launch(playwright: Playwright) -> Browser:
    return await playwright.chromium.launch(executable_path=CHROMIUM, args=CALL_ARGS)


async def call_page(browser: Browser, base: str, username: str, password: str, call_id: int,
                    problems: list[str]) -> tuple[BrowserContext, Page]:
    """A browser of its own, signed in as *username*, at the call's page (not joined yet).

    The hub's certificate is its town CA's, which this browser has not been told to trust.
    """
    context = await browser.new_context(ignore_https_errors=True, locale="zh-CN", timezone_id="Asia/Shanghai",
                                        viewport={"width": 800, "height": 600})
    signed = await context.request.post(f"{base}api/auth/login", data={"username": username, "password": password})
    assert signed.ok, await signed.text()
    page = await context.new_page()
    page.on("pageerror", lambda exc: problems.append(f"{username}: {exc}"))
    await page.goto(f"{base}call/#{call_id}")
    await page.locator("#join-button").wait_for()
    return context, page


async def join(page: Page) -> None:
    await page.locator("#join-button").click()


async def frames(page: Page, pc: str) -> dict[str, int]:
    """Frames decoded so far on *pc* ("sub" or "cam"), by whose they are."""
    stats: list[dict[str, Any]] = await page.evaluate("(pc) => callState.stats(pc)", pc)
    return {str(s["who"]): int(s["frames"]) for s in stats if s["who"]}


async def receiving(page: Page, pc: str, who: set[str], timeout: float = 30.0) -> dict[str, int]:
    """Wait until every one of *who* has decoded frames on *pc* and more a moment later: live video."""
    deadline = time.monotonic() + timeout
    before: dict[str, int] = {}
    while True:
        now = await frames(page, pc)
        if who <= now.keys() and all(now[w] > before.get(w, 0) > 0 for w in who):
            return now
        if time.monotonic() > deadline:
            raise AssertionError(f"{pc}: frames of {sorted(who)} not increasing after {timeout} s: {now}")
        before = now if who <= now.keys() else {}
        await asyncio.sleep(1.0)


class Cable:
    """A TCP path from one browser to the hub that the test can cut and mend, as a village's network drops.

    Only the signalling goes through it (media goes to Janus directly); the hub sees the socket die, ends the
    participant's media and counts a drop; the page notices too and keeps trying until the cable is mended.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.cut = False
        self._links: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> Cable:
        self._server = await asyncio.start_server(self._link, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.snap()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def url(self, base: str) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return base.replace(f":{self.port}/", f":{port}/")

    def snap(self) -> None:
        """Cut every link now (a reset, not a goodbye) and refuse new ones until `mend`."""
        self.cut = True
        for writer in list(self._links):
            writer.transport.abort()

    def mend(self) -> None:
        self.cut = False

    async def _link(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.cut:
            writer.transport.abort()
            return
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.port)
        self._links |= {writer, up_writer}
        try:
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        finally:
            self._links -= {writer, up_writer}
            for w in (writer, up_writer):
                w.transport.abort()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.transport.abort()


async def encoded(page: Page) -> int:
    """Frames of our own camera encoded so far (what the page could send)."""
    count: int = await page.evaluate("""async () => {
        const pc = callState.client && callState.client.pcs.pub;
        let n = 0;
        if (pc) (await pc.getStats()).forEach((s) => {
            if (s.type === "outbound-rtp" && s.kind === "video") n += s.framesEncoded || 0; });
        return n;
    }""")
    return count
