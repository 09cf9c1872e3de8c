"""Key groups on the register's page: the role the town file names changes and ends an entry; others see none."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from hub.app import Hub
from hub.register.idcard import check_digit
from hub.register.model import KeyGroup, KeyGroupFields, PersonFields
from hub.users.model import Principal, Role
from tests.e2e.pages import BIG_SCREEN, hub_for, open_page, sign_in
from tests.support import Mosquitto, account

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.timeout(180)]
OFFICER = Principal("duty", "张伟", Role.officer)


def kept_in_a_key_group(hub: Hub) -> int:
    """王秀英 of grid G19, under community correction since March 2025: the entry's id."""
    register = hub.ctx.register
    assert register is not None
    body = "43049919800101022"
    person = register.create_person(OFFICER, PersonFields(name="王秀英", sex="female", id_number=body
                                                          + check_digit(body), grid="G19", address="石门村一组1号"))
    entry = register.add_key_group(OFFICER, KeyGroupFields(person=person.id, group=KeyGroup.community_correction,
                                                           since=dt.date(2025, 3, 1), note="每月报到"))
    return entry.id


async def test_an_officer_ends_a_key_group_entry_and_a_grid_worker_sees_no_key_groups(
        tmp_path: Path, own_broker: Mosquitto, chromium: Browser, artifacts: Path) -> None:
    async with hub_for(tmp_path, own_broker) as hub:
        entry = kept_in_a_key_group(hub)
        problems: list[str] = []
        _, page = await open_page(chromium, BIG_SCREEN, problems)
        await sign_in(page, hub, await account(hub, Role.officer), path="register/")
        row = page.locator(f'#key-group-list tr[data-entry="{entry}"]')
        await expect(row).to_contain_text("王秀英社区矫正对象2025-03-01每月报到在册")
        await row.locator(".key-group-edit").click()
        await page.fill("#key-group-form [name=note]", "每周报到")
        await page.click("#key-group-form button[type=submit]")
        await expect(row).to_contain_text("每周报到在册")
        await row.locator(".key-group-end").click()
        ended = await page.input_value("#key-group-form [name=ended]")
        assert len(ended) == 10  # today, to be saved or changed
        await page.fill("#key-group-form [name=ended]", "2026-11-30")
        await page.click("#key-group-form button[type=submit]")
        await expect(row.locator(".key-group-state")).to_have_text("已结束 2026-11-30")
        await expect(row).to_have_class("ended")
        await expect(row.locator(".key-group-end")).to_have_count(0)
        await page.screenshot(path=artifacts / "register-key-groups-1920x1080.png")
        await page.click("#screen .lang-toggle")
        await expect(row.locator(".key-group-state")).to_have_text("ended 2026-11-30")
        await expect(page.locator("#key-groups h2")).to_have_text("Key groups (special groups, youth at risk)")
        register = hub.ctx.register
        assert register is not None
        kept = register.store.key_group(entry)
        assert kept is not None and (str(kept.ended), kept.note) == ("2026-11-30", "每周报到")
        assert [h.changes for h in register.store.history("key_group", str(entry))][1:] == [
            {"note": ("每月报到", "每周报到")}, {"ended": (None, "2026-11-30")}]
        assert problems == []

        problems_elsewhere: list[str] = []
        _, other = await open_page(chromium, BIG_SCREEN, problems_elsewhere)
        await sign_in(other, hub, await account(hub, Role.grid_worker), path="register/")
        await expect(other.locator("#people tbody tr")).to_have_count(1)  # the page works for them
        await expect(other.locator("#key-groups")).to_be_hidden()
        await expect(other.locator("#key-group-list tbody tr")).to_have_count(0)
        await other.locator("#people tbody tr").click()
        await expect(other.locator("#record")).to_contain_text("王秀英")
        await expect(other.locator("#record")).not_to_contain_text("重点人群")
        assert problems_elsewhere == []
