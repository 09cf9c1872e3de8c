"""One sign-in for the console's pages, in a real headless Chromium: the big screen, the case workbench, the
call page and the visitor desk show the same form (their own title, Chinese or English), sign in without a
reload, load nothing from another site, and share the session."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from hub.users.model import Role
from tests.e2e.pages import BIG_SCREEN, hub_for, open_page
from tests.support import PASSWORD, Mosquitto, account, console_url

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.timeout(180)]
PAGES = {"": ("值班大屏登录", "Duty screen sign-in"), "cases/": ("案件办理登录", "Case workbench sign-in"),
         "call/": ("视频调度登录", "Video dispatch sign-in"), "desk/": ("来访登记登录", "Visitor desk sign-in")}


async def test_every_page_signs_in_through_the_same_form(
        tmp_path: Path, own_broker: Mosquitto, chromium: Browser) -> None:
    async with hub_for(tmp_path, own_broker) as hub:
        cadre = await account(hub, Role.cadre, "liuwan")
        for path in PAGES:
            await signed_in_at(chromium, console_url(hub), path, cadre)


async def signed_in_at(browser: Browser, base: str, path: str, username: str) -> None:
    """Sign in through the form of the page at *path*, in a browser of its own; then open the others."""
    problems: list[str] = []
    _, page = await open_page(browser, BIG_SCREEN, problems)
    elsewhere: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(base) else elsewhere.append(r.url))
    await page.goto(base + path)
    title_zh, title_en = PAGES[path]
    await expect(page.locator("#login h1")).to_have_text(title_zh)
    await expect(page.locator("#screen")).to_be_hidden()
    await page.locator("#login .lang-toggle").click()
    await expect(page.locator("#login h1")).to_have_text(title_en)
    await expect(page.locator("#login-submit")).to_have_text("Sign in")
    await page.locator("#login .lang-toggle").click()
    await expect(page.locator("#login-submit")).to_have_text("登录")
    await refused_then_signed_in(page, username)
    if path == "call/":
        await expect(page.locator("#lobby")).to_be_visible()
        await expect(page.locator("#calls")).to_have_text("暂无")
    if path == "desk/":
        await expect(page.locator("#case-form")).to_be_visible()
        await expect(page.locator("[name=village] option[value=shimen]")).to_have_count(1)  # the town's choices
    assert elsewhere == [], elsewhere
    assert problems == ["console: Failed to load resource: the server responded with a status of 401 "
                        "(Unauthorized)"], problems  # the wrong password's answer, and nothing else
    await the_session_opens_the_other_pages(page, base, path)


async def refused_then_signed_in(page: Page, username: str) -> None:
    """A wrong password is said in the form; the right one opens the page in place, without a reload."""
    await page.evaluate("window.stayed = true")  # gone if the page ever reloads
    await page.fill("#login-username", username)
    await page.fill("#login-password", "not-the-password")
    await page.click("#login-submit")
    await expect(page.locator("#login-message")).to_have_text("用户名或密码错误", timeout=20000)
    await page.fill("#login-password", PASSWORD)
    await page.click("#login-submit")
    await expect(page.locator("#screen")).to_be_visible(timeout=20000)
    await expect(page.locator("#login")).to_be_hidden()
    assert await page.evaluate("window.stayed") is True


async def the_session_opens_the_other_pages(page: Page, base: str, signed_in_at: str) -> None:
    """Signed in on one page, the others open straight away: the session is the console's, not the page's."""
    for path in PAGES:
        if path != signed_in_at:
            await page.goto(base + path)
            await expect(page.locator("#screen")).to_be_visible(timeout=20000)
            await expect(page.locator("#login")).to_be_hidden()
