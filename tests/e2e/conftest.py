"""The browser the console's end-to-end tests drive: Debian's chromium through Playwright, never a download."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

from tests.e2e.call_support import launch

CHROMIUM = "/usr/bin/chromium"  # `bash scripts/setup --dev` installs it (never `playwright install`)
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
async def chromium() -> AsyncIterator[Browser]:
    assert os.access(CHROMIUM, os.X_OK), f"{CHROMIUM} is missing: run `bash scripts/setup --dev` as root"
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


@pytest.fixture
async def call_browser() -> AsyncIterator[Browser]:
    """Chromium with a fake camera and microphone, for the video call tests."""
    assert os.access(CHROMIUM, os.X_OK), f"{CHROMIUM} is missing: run `bash scripts/setup --dev` as root"
    async with async_playwright() as playwright:
        browser = await launch(playwright)
        yield browser
        await browser.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots are kept for people to look at: $GRIDHUB_ARTIFACTS, else tests/artifacts/."""
    path = Path(os.environ.get("GRIDHUB_ARTIFACTS") or Path(__file__).resolve().parents[1] / "artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path
