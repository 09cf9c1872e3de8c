"""The admin's drawer in a real headless Chromium: accounts created and changed with the hub's refusals shown
in place, the audit log paged back and filtered, and who may not see any of it."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Locator, Page, expect

from hub.app import Hub
from hub.users.model import Role
from tests.e2e.pages import BIG_SCREEN, hub_for, open_page, sign_in
from tests.support import Mosquitto, account, console_url

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.timeout(180)]
NEW_CADRE, NEW_PASSWORD = "liu.fang", "river bank 2026"
LIUWAN_DEVICES = {"RS02", "CAM15", "CAM16", "SPK16", "SPK17", "SPK18"}
ANONYMOUS_CALLS = 55  # more than the drawer's page of 50: the log needs a second page


async def test_an_admin_adds_a_village_cadre_who_then_sees_only_their_village(
        tmp_path: Path, own_broker: Mosquitto, chromium: Browser, artifacts: Path) -> None:
    async with hub_for(tmp_path, own_broker) as hub:
        problems: list[str] = []
        _, page = await open_page(chromium, BIG_SCREEN, problems)
        await sign_in(page, hub, await account(hub, Role.admin))
        await expect(page.locator("path.grid")).to_have_count(43)  # the villages the form offers come from the map
        await anonymous_calls(hub)
        await page.click("#admin-open")
        await expect(page.locator('#users-table tr[data-username="admin"]')).to_contain_text("管理员")
        await create_the_cadre(page)
        await the_own_account_is_refused(page)
        await page.screenshot(path=artifacts / "admin-accounts-1920x1080.png")
        await the_audit_log(page, artifacts)
        await page.keyboard.press("Escape")
        await expect(page.locator("#admin")).to_be_hidden()
        await the_new_cadre_signs_in(chromium, hub, problems)
        await an_officer_gets_no_drawer(chromium, hub, problems)
        # The browser reports each refused call; the three the test caused are all there is.
        refused = [p for p in problems if re.search(r"Failed to load resource: .* status of (422|409)\b", p)]
        assert len(refused) == len(problems) == 3, problems


async def anonymous_calls(hub: Hub) -> None:
    """Sign-outs without a session: each is refused (401) and each is in the audit log."""
    async with httpx.AsyncClient(base_url=console_url(hub)) as http:
        for _ in range(ANONYMOUS_CALLS):
            assert (await http.post("/api/auth/logout")).status_code == 401


def field(page: Page, name: str) -> Locator:
    return page.locator(f"#user-form [name={name}]")


async def create_the_cadre(page: Page) -> None:
    """Refused twice (a short password; a name taken), then created; then renamed."""
    await page.click("#user-new")
    await field(page, "username").fill("admin")
    await field(page, "name").fill("刘芳")
    await expect(field(page, "village")).to_be_disabled()  # only a cadre has a village
    await field(page, "role").select_option("cadre")
    await field(page, "village").select_option("liuwan")
    await field(page, "password").fill("short")
    await page.click("#user-save")
    await expect(page.locator("#user-error")).to_have_text("密码：至少 8 个字符")
    await expect(field(page, "password")).to_have_attribute("aria-invalid", "true")
    await field(page, "password").fill(NEW_PASSWORD)
    await page.click("#user-save")
    await expect(page.locator("#user-error")).to_have_text("未保存：user 'admin' exists")
    await field(page, "username").fill(NEW_CADRE)
    await page.click("#user-save")
    await expect(page.locator("#user-form")).to_be_hidden()
    await expect(page.locator("#users-status")).to_have_text(f"已创建账号 {NEW_CADRE}")
    row = page.locator(f'#users-table tr[data-username="{NEW_CADRE}"]')
    await expect(row).to_contain_text("刘芳村干部柳湾村正常")

    await row.locator("button").click()
    await expect(field(page, "username")).to_have_js_property("readOnly", True)
    await field(page, "name").fill("刘芳芳")
    await page.click("#user-save")
    await expect(page.locator("#users-status")).to_have_text(f"已保存 {NEW_CADRE}")
    await expect(row).to_contain_text("刘芳芳村干部柳湾村")


async def the_own_account_is_refused(page: Page) -> None:
    """The hub will not let an admin disable their own account (409): said in the form, nothing saved."""
    await page.locator('#users-table tr[data-username="admin"] button').click()
    await page.locator("#user-form [name=disabled]").check()
    await page.click("#user-save")
    await expect(page.locator("#user-error")).to_have_text(
        "未保存：an admin cannot disable or demote their own account")
    await page.click("#user-cancel")
    await expect(page.locator('#users-table tr[data-username="admin"]')).to_contain_text("正常")


async def the_audit_log(page: Page, artifacts: Path) -> None:
    """Newest first, the account just made on top; back a page to the admin's sign-in; one user's entries."""
    await page.click("#admin .tab[data-tab=audit]")
    rows = page.locator("#audit-table tbody tr")
    await expect(rows).to_have_count(50)
    await expect(rows.first).to_contain_text("admin管理员PATCH /api/users/{username}/api/users/admin409")
    await expect(rows.nth(1)).to_contain_text(f"PATCH /api/users/{{username}}/api/users/{NEW_CADRE}200")
    await expect(rows.nth(2)).to_contain_text("admin管理员POST /api/users/api/users201")
    await expect(page.locator("#audit-status")).to_have_text("第 1 页")
    await page.click("#audit-older")
    await expect(page.locator("#audit-status")).to_have_text("第 2 页 · 已到最早的记录")
    await expect(rows.last).to_contain_text("admin管理员POST /api/auth/login/api/auth/login200")
    await expect(page.locator("#audit-older")).to_be_disabled()
    await page.fill("#audit-filter [name=username]", "admin")
    await page.click("#audit-filter button[type=submit]")
    await expect(rows).to_have_count(6)  # sign-in, three tries at creating, the rename, the refused disable
    assert {await r.locator("td").nth(1).text_content() for r in await rows.all()} == {"admin"}
    await expect(rows.filter(has_text=re.compile(r"POST /api/users/api/users422"))).to_have_count(2)
    await page.screenshot(path=artifacts / "admin-audit-1920x1080.png")
    await page.locator("#admin .lang-toggle").click()  # the drawer is modal: it has the header's switch too
    await expect(page.locator("#audit-status")).to_have_text("page 1 · the oldest entry reached")
    await expect(page.locator("#admin .tab[data-tab=users]")).to_have_text("Accounts")
    await page.locator("#admin .lang-toggle").click()


async def the_new_cadre_signs_in(browser: Browser, hub: Hub, problems: list[str]) -> None:
    _, page = await open_page(browser, BIG_SCREEN, problems)
    await sign_in(page, hub, NEW_CADRE, NEW_PASSWORD)
    await expect(page.locator("#user")).to_have_text("村干部 刘芳芳")
    await expect(page.locator("path.grid")).to_have_count(4)
    await expect(page.locator("#map [data-device]")).to_have_count(len(LIUWAN_DEVICES))
    shown = {await d.get_attribute("data-device") for d in await page.locator("#map [data-device]").all()}
    assert shown == LIUWAN_DEVICES
    await expect(page.locator("#admin-open")).to_be_hidden()


async def an_officer_gets_no_drawer(browser: Browser, hub: Hub, problems: list[str]) -> None:
    context, page = await open_page(browser, BIG_SCREEN, problems)
    await sign_in(page, hub, await account(hub, Role.officer))
    await expect(page.locator("path.grid")).to_have_count(43)
    await expect(page.locator("#admin-open")).to_be_hidden()
    for path in ("api/users", "api/audit"):  # with the page's own session cookie
        assert (await context.request.get(console_url(hub) + path)).status == 403
