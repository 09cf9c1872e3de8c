"""What the console's browser tests share: the big screen's viewport, pages that collect console errors,
and signing in through the form."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.async_api import Browser, BrowserContext, Page, expect

from hub.app import Hub
from hub.settings import MqttSettings
from hub.townfile import LoadedTown
from hub.users.model import Role
from tests.support import PASSWORD, Mosquitto, account, console_url, hub_settings, make_hub

BIG_SCREEN: dict[str, Any] = {"viewport": {"width": 1920, "height": 1080}, "locale": "zh-CN",
                              "timezone_id": "Asia/Shanghai"}


def hub_for(tmp_path: Path, broker: Mosquitto, town: LoadedTown | None = None) -> Hub:
    return make_hub(hub_settings(tmp_path, MqttSettings(host="127.0.0.1", port=broker.port, keepalive_s=5)), town)


async def open_page(browser: Browser, options: dict[str, Any], problems: list[str]) -> tuple[BrowserContext, Page]:
    """A browser context of its own; console errors and uncaught exceptions land in *problems*."""
    context = await browser.new_context(**options)
    page = await context.new_page()
    page.on("console", lambda msg: problems.append(f"console: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    return context, page


async def sign_in(page: Page, hub: Hub, username: str, password: str = PASSWORD, path: str = "") -> None:
    """Sign in through the form of the page at *path* (the big screen's, or another that shares it)."""
    await page.goto(console_url(hub) + path)
    await expect(page.locator("#login")).to_be_visible()
    await page.fill("#login-username", username)
    await page.fill("#login-password", password)
    await page.click("#login-submit")
    # Argon2 is slow on purpose, and slower still on a busy machine.
    await expect(page.locator("#screen")).to_be_visible(timeout=20000)
    await page.evaluate("window.stayed = true")  # gone if the page ever reloads


async def officer_screen(browser: Browser, hub: Hub, problems: list[str]) -> Page:
    """The big screen, signed in through its form by a new duty officer (张伟)."""
    _, page = await open_page(browser, BIG_SCREEN, problems)
    await sign_in(page, hub, await account(hub, Role.officer))
    return page
