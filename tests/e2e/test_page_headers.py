"""The visitor desk and the case workbench in a real headless Chromium: each page's header leads to the other pages,
names who is in, switches the language (the desk's form too) and signs out in place, with no error in the console
(its icon is there); the workbench's route form waits for a lead unit to be chosen, so one press of 提交 routes
nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from hub.users.model import Role
from tests.e2e.case_pages import WORKBENCH, Shifted, desk_files
from tests.e2e.pages import open_page, sign_in
from tests.support import PASSWORD, account, console_url, hub_settings, make_hub

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.timeout(120)]


async def test_the_desk_has_a_header_to_the_other_pages_and_signs_out_in_place(
        tmp_path: Path, chromium: Browser) -> None:
    async with make_hub(hub_settings(tmp_path, None)) as hub:
        problems: list[str] = []
        _, page = await open_page(chromium, WORKBENCH, problems)
        await page.goto(console_url(hub) + "desk/")
        await page.evaluate("window.stayed = true")
        await page.fill("#login-username", await account(hub, Role.officer))
        await page.fill("#login-password", PASSWORD)
        await page.click("#login-submit")
        await expect(page.locator("#desk")).to_be_visible(timeout=20000)
        header = page.locator("header.page-top")
        for href, text in (("/", "值班大屏"), ("/cases/", "案件办理"), ("/call/", "视频调度")):
            await expect(header.locator(f'a.nav[href="{href}"]')).to_have_text(text)
        await expect(page.locator("#who")).to_have_text("值班员 张伟")
        icon = await page.evaluate("fetch(document.querySelector('link[rel=icon]').href).then(r => r.status)")
        assert icon == 200
        await header.locator(".lang-toggle").click()  # the desk switches language like the other pages
        await expect(header.locator('a.nav[href="/"]')).to_have_text("Duty screen")
        await expect(header.locator("#who")).to_have_text("Duty officer 张伟")
        await expect(header.locator("#sign-out")).to_have_text("Sign out")
        await expect(page.locator('[data-i18n="desk.name"]')).to_have_text("Name")
        await expect(page.locator('#case-form select[name="category"] option[value="flood-safety"]')).to_have_text(
            "Flood safety")
        await header.locator(".lang-toggle").click()
        await expect(header.locator("#who")).to_have_text("值班员 张伟")
        await expect(page.locator('#case-form select[name="category"] option[value="flood-safety"]')).to_have_text(
            "防汛安全")
        await header.locator("#sign-out").click()
        await expect(page.locator("#login")).to_be_visible()
        assert await page.evaluate("window.stayed") is True
        assert problems == [], problems  # a missing favicon is a console error


async def test_the_workbench_has_a_header_to_the_other_pages_and_signs_out_in_place(
        tmp_path: Path, chromium: Browser) -> None:
    async with make_hub(hub_settings(tmp_path, None)) as hub:
        problems: list[str] = []
        _, page = await open_page(chromium, WORKBENCH, problems)
        await sign_in(page, hub, await account(hub, Role.officer), path="cases/")
        header = page.locator("#screen header.top")
        for href, text in (("/", "值班大屏"), ("/call/", "视频调度"), ("/desk/", "来访登记")):
            await expect(header.locator(f'a.nav[href="{href}"]')).to_have_text(text)
        await expect(header.locator("#user")).to_have_text("值班员 张伟")
        icon = await page.evaluate("fetch(document.querySelector('link[rel=icon]').href).then(r => r.status)")
        assert icon == 200
        await header.locator(".lang-toggle").click()
        await expect(header.locator('a.nav[href="/"]')).to_have_text("Duty screen")
        await expect(header.locator("#user")).to_have_text("Duty officer 张伟")
        await header.locator(".lang-toggle").click()
        await header.locator("#sign-out").click()
        await expect(page.locator("#login")).to_be_visible()
        await expect(page.locator("#screen")).to_be_hidden()
        assert await page.evaluate("window.stayed") is True  # in place, no reload
        session = await page.evaluate("fetch('/api/screen/session').then(r => r.json())")
        assert session == {"user": None}  # signed out at the hub, not only hidden
        assert problems == [], problems


async def test_the_route_form_routes_nothing_until_a_lead_unit_is_chosen(tmp_path: Path, chromium: Browser) -> None:
    async with make_hub(hub_settings(tmp_path, None), clock=Shifted()) as hub:
        case_id = await desk_files(hub, "G19")
        problems: list[str] = []
        _, desk = await open_page(chromium, WORKBENCH, problems)
        await sign_in(desk, hub, await account(hub, Role.officer), path=f"cases/#{case_id}")
        pane = desk.locator("#case-pane")
        await pane.locator('button[data-step="route"]').click()
        form = pane.locator('form[data-step="route"]')
        lead = form.locator('[name="lead"]')
        await expect(lead).to_have_value("")
        await expect(lead.locator("option").first).to_contain_text("请选择牵头单位")
        await form.locator("button[type=submit]").click()  # one press, nothing chosen
        assert await lead.evaluate("s => s.validity.valueMissing") is True
        await desk.wait_for_timeout(500)
        await expect(pane.locator(".case-head .chip.state")).to_have_text("已受理")  # not routed
        await lead.select_option("village:shimen")
        await form.locator("button[type=submit]").click()
        await expect(pane.locator(".case-head .chip.state")).to_have_text("已分流")
        await desk.locator("#screen header.top .lang-toggle").click()  # categories are named in English too
        await expect(desk.locator('#filters select[name="category"] option[value="disputes"]')).to_have_text("Disputes")
        await expect(pane).to_contain_text("Disputes")
        await expect(desk.locator("#screen")).not_to_contain_text("矛盾纠纷")
        assert problems == [], problems
