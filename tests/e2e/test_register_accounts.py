"""The admin's drawer makes a grid worker with their grids, who then reads the register of those grids only."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, expect

from hub.users.model import Role
from tests.e2e.pages import BIG_SCREEN, hub_for, open_page, sign_in
from tests.e2e.test_console_admin import field
from tests.support import Mosquitto, account, console_url

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.timeout(180)]
PASSWORD = "grid work 2026"


async def test_an_admin_adds_a_grid_worker_with_their_grids(
        tmp_path: Path, own_broker: Mosquitto, chromium: Browser, artifacts: Path) -> None:
    async with hub_for(tmp_path, own_broker) as hub:
        problems: list[str] = []
        _, page = await open_page(chromium, BIG_SCREEN, problems)
        await sign_in(page, hub, await account(hub, Role.admin))
        await expect(page.locator("path.grid")).to_have_count(43)
        await page.click("#admin-open")
        await page.click("#user-new")
        await expect(field(page, "grids")).to_be_disabled()  # only a grid worker has grids
        await field(page, "username").fill("liu.yang")
        await field(page, "name").fill("刘洋")
        await field(page, "role").select_option("grid_worker")
        await expect(field(page, "village")).to_be_disabled()
        await field(page, "grids").fill("G19，G20")
        await field(page, "password").fill(PASSWORD)
        await page.click("#user-save")
        row = page.locator('#users-table tr[data-username="liu.yang"]')
        await expect(row).to_contain_text("刘洋网格员G19、G20正常")
        await page.screenshot(path=artifacts / "admin-grid-worker-1920x1080.png")
        await row.locator("button").click()
        await expect(field(page, "grids")).to_have_value("G19, G20")
        await field(page, "grids").fill("G19")
        await page.click("#user-save")
        await expect(row).to_contain_text("刘洋网格员G19正常")
        assert problems == []
        async with httpx.AsyncClient(base_url=console_url(hub)) as http:
            signed = await http.post("/api/auth/login", json={"username": "liu.yang", "password": PASSWORD})
            assert signed.json()["user"]["role"] == "grid_worker"
            assert hub.ctx.users.users["liu.yang"].grids == ("G19",)
