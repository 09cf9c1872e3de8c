"""A grid worker's phone (390×844) signs in by the one-time link the admin's drawer shows as a QR code, reads the
register of their grid (masked), and opens the page again without a signal after that one visit; signing out
empties the lists kept for that."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from hub.users.model import Role
from tests.e2e.pages import BIG_SCREEN, open_page, sign_in
from tests.e2e.test_gridwork_phone import PHONE
from tests.e2e.test_gridwork_screen import campaign_town
from tests.integration.test_gridwork_api import person
from tests.support import account, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.timeout(240)]


async def test_a_grid_worker_signs_in_by_link_and_opens_the_page_offline(
        tmp_path: Path, chromium: Browser, artifacts: Path) -> None:
    async with campaign_town(tmp_path) as (town, _):
        for name, born, seq, grid, household in (("王一", "19700101", 11, "G19", "G19-H1"),
                                                 ("王三", "19720101", 15, "G24", "G24-H1")):
            made = await town.call("officer", "POST", "/api/register/people",
                                   json=person(name, born, seq, grid, household))
            assert made.status_code == 201, made.text
        problems: list[str] = []
        _, screen = await open_page(chromium, BIG_SCREEN, problems)
        await sign_in(screen, town.hub, await account(town.hub, Role.admin))
        await screen.click("#admin-open")
        await screen.locator('#users-table tr[data-username="gw.g19"] button.user-link').click()
        await expect(screen.locator("#user-link-box svg")).to_be_visible()
        url = await screen.locator("#user-link-box input").input_value()
        assert "/gridwork/#code=" in url
        await screen.screenshot(path=artifacts / "grid-worker-link-1920x1080.png")

        phone_context, phone = await open_page(chromium, PHONE, problems)
        await phone.goto(url)
        await expect(phone.locator("#screen")).to_be_visible(timeout=20000)
        await expect(phone.locator("#user")).to_contain_text("刘洋")
        assert "code=" not in phone.url  # spent, and out of the address bar
        await expect(phone.locator("#houses button")).to_have_count(3)
        code = url.split("code=")[1]
        again = await town.http.post("/api/auth/link", json={"code": code})
        assert again.status_code == 401 and "已使用" in again.json()["detail"]

        await phone.evaluate("navigator.serviceWorker.ready.then(() => true)")
        await phone.reload()  # now under the service worker, which keeps what the page reads
        await expect(phone.locator("#houses button")).to_have_count(3)
        await phone.click('.tabs .tab[data-tab="register"]')
        people = phone.locator("#people li")
        await expect(people).to_have_count(1)  # G19's only
        await expect(people).to_contain_text("王一")
        await expect(people.locator(".num")).to_contain_text("*")  # masked

        await phone_context.set_offline(True)
        await phone.reload()
        await expect(phone.locator("#screen")).to_be_visible(timeout=20000)
        await expect(phone.locator("#houses button")).to_have_count(3)
        await phone.click('.tabs .tab[data-tab="register"]')
        await expect(people).to_have_count(1)
        await phone.screenshot(path=str(artifacts / "gridwork-phone-offline-register.png"))
        await phone_context.set_offline(False)
        assert await phone.evaluate("caches.has('gridhub-gridwork-api')")
        await phone.click("#sign-out")
        await expect(phone.locator("#login")).to_be_visible()
        await wait_for(lambda: _gone(phone), what="the kept lists emptied on signing out")
        assert problems == [] or all("Failed to load resource" in p or "ERR_INTERNET_DISCONNECTED" in p
                                     for p in problems), problems


async def _gone(phone: Page) -> bool:
    return not await phone.evaluate("caches.has('gridhub-gridwork-api')")
