"""The admin's drawer makes a grid worker with their grids; a grid worker works the register on its page."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, expect

from hub.register.idcard import check_digit
from hub.register.sheets import PEOPLE, XLSX, write_xlsx
from hub.users.model import AuditQuery, Role
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
        await row.locator("button.user-edit").click()
        await expect(field(page, "grids")).to_have_value("G19, G20")
        await field(page, "grids").fill("G19")
        await page.click("#user-save")
        await expect(row).to_contain_text("刘洋网格员G19正常")
        assert problems == []
        async with httpx.AsyncClient(base_url=console_url(hub)) as http:
            signed = await http.post("/api/auth/login", json={"username": "liu.yang", "password": PASSWORD})
            assert signed.json()["user"]["role"] == "grid_worker"
            assert hub.ctx.users.users["liu.yang"].grids == ("G19",)


async def test_a_grid_worker_imports_searches_and_opens_a_record_on_the_register_page(
        tmp_path: Path, own_broker: Mosquitto, chromium: Browser, artifacts: Path) -> None:
    good, other = (body + check_digit(body) for body in ("43049919800101011", "43049919820202003"))
    rows = [["王秀英", "男", good, "13812341234", "户籍", "G19", "石门村一组1号", "G19-H1", "户主", ""],
            ["李四", "男", good[:17] + ("0" if good[17] != "0" else "1"), "", "户籍", "G19", "石门村", "", "", ""],
            ["张三", "男", other, "", "户籍", "G24", "柳湾村", "", "", ""]]
    sheet = write_xlsx("实有人口", [c.title for c in PEOPLE], rows)
    async with hub_for(tmp_path, own_broker) as hub:
        await hub.ctx.users.create("liu.yang", PASSWORD, "刘洋", Role.grid_worker, grids=("G19",))
        problems: list[str] = []
        _, page = await open_page(chromium, BIG_SCREEN, problems)
        await sign_in(page, hub, "liu.yang", PASSWORD, "register/")
        await expect(page.locator("#user")).to_have_text("网格员 刘洋")
        await expect(page.locator("#list-status")).to_have_text("没有找到")
        await page.set_input_files("#import-file", files=[{"name": "人口.xlsx", "mimeType": XLSX, "buffer": sheet}])
        await page.click("#dry-run")
        await expect(page.locator("#import-status")).to_have_text("共 3 行：可导入 1，已在登记册中 0，有问题 2")
        await expect(page.locator("#problems tbody tr")).to_have_count(2)
        await expect(page.locator("#problems")).to_contain_text("身份证号校验位错误")
        await expect(page.locator("#problems")).to_contain_text("网格 G24 不在您的管辖范围")
        await page.click("#commit")
        await expect(page.locator("#import-status")).to_have_text("已导入 1 行，已在登记册中 0 行，未导入 2 行")
        await expect(page.locator("#rejected")).to_be_visible()
        await page.fill("#search [name=q]", good[-4:])
        await page.click("#search button")
        row = page.locator("#people tbody tr")
        await expect(row).to_have_count(1)
        await expect(row).to_contain_text(good[:3] + "*" * 11 + good[-4:])
        await row.click()
        await expect(page.locator("#record")).to_contain_text(good)  # in full, on the record, for a grid worker
        await expect(page.locator("#record .history")).to_contain_text("网格员 刘洋 (liu.yang)：登记 导入")
        await page.screenshot(path=artifacts / "register-grid-worker-1920x1080.png")
        await page.click("#screen .lang-toggle")
        await expect(page.locator("#search button")).to_have_text("Search")
        log = await hub.ctx.users.audit(AuditQuery(username="liu.yang"))
        assert [e.detail for e in log if e.action == "GET /api/register/people/{person_id}"] == ["完整记录（明文）"]
        assert problems == []
