"""The duty officer follows a dispatch from the big screen to the patrol's photo and position, cancels and
reassigns it, and enrols a phone from the team board, in a real headless Chromium."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import cv2
import httpx
import numpy as np
import pytest
from playwright.async_api import Browser, Locator, Page, expect

from hub.app import Hub
from hub.dispatch.model import DispatchState
from hub.users.model import Role
from tests.e2e.pages import BIG_SCREEN, hub_for, open_page, sign_in
from tests.e2e.test_phone_dispatch import PHONE, jpeg, open_phone, raise_alert, state
from tests.e2e.test_video_call import RIVER
from tests.rtsp.server import RtspServer, serving, town_watched_by
from tests.screen_support import open_alert
from tests.support import Mosquitto, account, console_url, publish_level, signed_in, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.timeout(180)]
ALONG_THE_BANK = [(113.0676, 27.2160), (113.0688, 27.2171)]  # the patrol walks north-east from the station


async def test_the_officer_follows_a_dispatch_to_the_photo_and_position_then_reassigns_and_cancels(
        tmp_path: Path, own_broker: Mosquitto, chromium: Browser, artifacts: Path) -> None:
    async with hub_for(tmp_path, own_broker) as hub, \
            httpx.AsyncClient(base_url=console_url(hub), headers=await signed_in(hub)) as http:
        alert_id = await raise_alert(hub, own_broker)
        made = await http.post("/api/dispatches", json={"alert_id": alert_id, "teams": ["T01"],
                                                        "instructions": "沿河堤巡查，拍照回传"})
        job_id = made.json()[0]["id"]
        problems: list[str] = []
        phone_context, phone = await open_phone(chromium, http, "T01.1", problems)
        await work_the_job(hub, phone, job_id)
        token = await phone.evaluate("localStorage.getItem('gridhub.token')")
        await phone_context.close()  # from here on its positions are the test's
        for lon, lat in ALONG_THE_BANK:
            shared = await http.post("/api/phone/location", json={"lon": lon, "lat": lat, "accuracy_m": 9},
                                     headers={"Authorization": f"Bearer {token}"})
            assert shared.status_code == 204, shared.text

        _, screen = await open_page(chromium, BIG_SCREEN, problems)
        await sign_in(screen, hub, await account(hub))
        alert_card = screen.locator(f'article.alert[data-alert-id="{alert_id}"]')
        on_the_job = f"{hub.ctx.dispatch.roster.teams['T01'].name} 在现场"
        await expect(alert_card.locator(".alert-dispatches")).to_have_text(on_the_job)
        await alert_card.locator('button[data-action="follow"]').click()
        card = screen.locator(f'#details article.follow-dispatch[data-dispatch="{job_id}"]')
        await expect(card.locator(".follow-entry")).to_have_count(4)  # assign, acknowledge, en route, on scene
        await expect(card.locator(".chip")).to_have_text("在现场")
        await expect(screen.locator("#details p.sub")).to_have_text("水位超警 · 石门村第一网格")  # the village once
        await see_the_photo(screen, card, artifacts)
        await see_the_position(screen, card)
        await refused_in_chinese(screen, card)
        problems.remove("console: Failed to load resource: the server responded with a status of 409 (Conflict)")
        new_id = await reassign(hub, screen, card, job_id)
        t02 = hub.ctx.dispatch.roster.teams["T02"].name
        await expect(alert_card.locator(".alert-dispatches")).to_have_text(f"{t02} 待确认")  # the card follows too
        await cancel(hub, screen, new_id)
        await expect(alert_card.locator(".alert-dispatches")).to_have_count(0)
        await screen.locator("header .lang-toggle").click()
        await expect(screen.locator("#details h3")).to_have_text("Dispatch follow-through")
        cancelled = screen.locator(f'article.follow-dispatch[data-dispatch="{job_id}"] .chip')
        await expect(cancelled).to_have_text("Cancelled")
        instructions = screen.locator("#details .follow-instructions").first
        await expect(instructions).to_have_text("Instructions: 沿河堤巡查，拍照回传")
        await in_english_but_what_people_wrote(screen, alert_card, job_id, t02)
        await a_cadre_follows_it_read_only(chromium, hub, alert_id, job_id, problems)
        assert problems == []


async def work_the_job(hub: Hub, phone: Page, job_id: int) -> None:
    """The patrol member acknowledges, sets off with a photo of the bank and reports on scene with the phone's fix."""
    job = phone.locator(f'article.job[data-dispatch="{job_id}"]')
    await job.wait_for()
    await job.locator('button[data-step="acknowledge"]').click()
    await wait_for(lambda: state(hub, job_id) is DispatchState.ACKNOWLEDGED, what="acknowledged")
    photo = {"name": "bank.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}
    await job.locator(".photo").set_input_files(files=[photo])  # type: ignore[list-item]
    await job.locator(".note").fill("河堤北段有渗水，已拉警戒线")
    await job.locator('button[data-step="en_route"]').click()
    await wait_for(lambda: state(hub, job_id) is DispatchState.EN_ROUTE, what="en route")
    await job.locator('button[data-step="on_scene"]').click()
    await wait_for(lambda: state(hub, job_id) is DispatchState.ON_SCENE, what="on scene")


async def see_the_photo(screen: Page, card: Locator, artifacts: Path) -> None:
    """The note and a thumbnail in the trail; a click shows the photo at full size."""
    step = card.locator(".follow-entry.action-en_route")
    await expect(step.locator(".follow-note")).to_have_text("河堤北段有渗水，已拉警戒线")
    thumb = step.locator("img.photo-thumb")
    await expect(thumb).to_be_visible()
    await screen.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=await thumb.element_handle())
    box = await thumb.bounding_box()
    assert box is not None and box["width"] <= 160
    await screen.wait_for_timeout(800)  # the map's flight to the scene
    await screen.screenshot(path=str(artifacts / "dispatch-photo-1920x1080.png"))
    await thumb.click()
    full = screen.locator("dialog.photo-dialog img.photo-full")
    await expect(full).to_be_visible()
    await screen.wait_for_function("(img) => img.complete && img.naturalWidth === 1280",
                                   arg=await full.element_handle())
    big = await full.bounding_box()
    assert big is not None and big["width"] > 800
    await expect(screen.locator("dialog.photo-dialog .photo-caption")).to_contain_text("出发")
    await full.click()
    await expect(screen.locator("dialog.photo-dialog")).to_have_count(0)


async def see_the_position(screen: Page, card: Locator) -> None:
    """The phone's fixes are the team's track on the map, ending at its mark, beside the scene; the drawer says
    where and when."""
    fix = screen.locator('#map .follow-fix[data-team="T01"]')
    await expect(fix).to_be_visible()
    lon, lat = ALONG_THE_BANK[-1]
    assert (float(await fix.get_attribute("data-lat") or 0), float(await fix.get_attribute("data-lon") or 0)) == \
        (lat, lon)
    await expect(screen.locator("#map path.follow-track")).to_have_count(1)
    walked = (await fix.get_attribute("data-track") or "").split(" ")
    assert walked[-len(ALONG_THE_BANK):] == [f"{lat},{lon}" for lon, lat in ALONG_THE_BANK]  # every shared fix
    await expect(screen.locator("#map .follow-scene")).to_be_visible()
    map_box, fix_box = await screen.locator("#map").bounding_box(), await fix.bounding_box()
    assert map_box is not None and fix_box is not None
    assert map_box["x"] < fix_box["x"] < map_box["x"] + map_box["width"] - 360  # left of the drawer
    await expect(card.locator(".follow-fix-line")).to_contain_text(f"{lat:.5f}, {lon:.5f}")
    await expect(card.locator(".follow-entry.action-on_scene .follow-gps")).to_have_text("定位 ±12 m")


async def refused_in_chinese(screen: Page, card: Locator) -> None:
    """Setting a team on a job available is refused by the hub; the form says why, in Chinese."""
    await card.locator('button[data-action="team-status"]').click()
    form = screen.locator('dialog[data-ask="team-status"]')
    await form.locator('select[name="status"]').select_option("available")
    await form.locator('button[value="ok"]').click()
    await expect(form.locator(".dialog-error")).to_have_text("该队仍有进行中的任务，请先完成或取消任务")
    await form.locator('button[value="cancel"]').click()
    await expect(form).to_have_count(0)


async def reassign(hub: Hub, screen: Page, card: Locator, job_id: int) -> int:
    """Reassigned to T02 with a reason: the old dispatch cancelled with it, a new one for T02 followed too."""
    await card.locator('button[data-action="reassign"]').click()
    form = screen.locator('dialog[data-ask="reassign"]')
    await form.locator('select[name="team"]').select_option("T02")
    await form.locator('textarea[name="reason"]').fill("一队车辆故障")
    await form.locator('button[value="ok"]').click()
    await expect(form).to_have_count(0)
    old = hub.ctx.dispatch.book.dispatches[job_id]
    assert old.state is DispatchState.CANCELLED and "一队车辆故障" in old.reason
    new = next(d for d in hub.ctx.dispatch.book.active("T02"))
    await expect(card.locator(".chip")).to_have_text("已取消")
    await expect(card.locator(".follow-reason")).to_contain_text("一队车辆故障")
    await expect(screen.locator(f'article.follow-dispatch[data-dispatch="{new.id}"] .chip')).to_have_text("待确认")
    return new.id


async def cancel(hub: Hub, screen: Page, dispatch_id: int) -> None:
    """A cancel without a reason is refused in the form; with one, the dispatch ends."""
    card = screen.locator(f'article.follow-dispatch[data-dispatch="{dispatch_id}"]')
    await card.locator('button[data-action="cancel"]').click()
    form = screen.locator('dialog[data-ask="cancel"]')
    await form.locator('button[value="ok"]').click()
    await expect(form.locator(".dialog-error")).to_have_text("请填写必填项")
    await form.locator('textarea[name="reason"]').fill("险情已排除，无需出动")
    await form.locator('button[value="ok"]').click()
    await expect(form).to_have_count(0)
    assert hub.ctx.dispatch.book.dispatches[dispatch_id].state is DispatchState.CANCELLED
    await expect(card.locator(".chip")).to_have_text("已取消")
    await expect(card.locator('button[data-action="cancel"]')).to_have_count(0)


async def in_english_but_what_people_wrote(screen: Page, alert_card: Locator, job_id: int, t02: str) -> None:
    """The alert's title, who did each step and why a dispatch was reassigned are in English; what people typed
    (instructions, notes, the reason) and the town's names stay as written."""
    await expect(screen.locator("#details p.sub")).to_have_text(re.compile(r"^River level over warning · "))
    old = screen.locator(f'article.follow-dispatch[data-dispatch="{job_id}"]')
    await expect(old.locator(".follow-reason")).to_have_text(f"Reason: Reassigned to {t02}: 一队车辆故障")
    await expect(old.locator(".follow-entry.action-cancel .follow-note")).to_have_text(
        f"Reassigned to {t02}: 一队车辆故障")
    signed = await screen.locator("#details .follow-actor").all_inner_texts()
    assert signed and all(who.startswith("Duty officer 张伟 (") for who in signed if "张伟" in who), signed
    assert not any(role in who for who in signed for role in ("值班员", "管理员", "巡逻队员")), signed
    await expect(alert_card).to_contain_text("Acknowledged by Duty officer 张伟 (")


async def a_cadre_follows_it_read_only(chromium: Browser, hub: Hub, alert_id: int, job_id: int,
                                       problems: list[str]) -> None:
    """Shimen's cadre follows the dispatches to their village's alert, photo included, with no button to act."""
    _, page = await open_page(chromium, BIG_SCREEN, problems)
    await sign_in(page, hub, await account(hub, Role.cadre, "shimen"))
    await page.locator(f'article.alert[data-alert-id="{alert_id}"] button[data-action="follow"]').click()
    card = page.locator(f'#details article.follow-dispatch[data-dispatch="{job_id}"]')
    await expect(card.locator("img.photo-thumb")).to_be_visible()
    await page.wait_for_function("(img) => img.complete && img.naturalWidth > 0",
                                 arg=await card.locator("img.photo-thumb").element_handle())
    await expect(page.locator("#details article.follow-dispatch")).to_have_count(2)
    await expect(page.locator("#details button.act")).to_have_count(0)


async def test_the_officer_enrols_a_phone_from_the_team_board(
        tmp_path: Path, own_broker: Mosquitto, chromium: Browser, artifacts: Path) -> None:
    async with hub_for(tmp_path, own_broker) as hub:
        problems: list[str] = []
        _, screen = await open_page(chromium, BIG_SCREEN, problems)
        await sign_in(screen, hub, await account(hub))
        await screen.locator('#team-board .team[data-team="T03"]').click()
        row = screen.locator('#details li.crew-member[data-member="T03.1"]')
        await expect(row.locator(".chip")).to_have_text("未登录")
        await row.locator('button[data-action="link"]').click()
        link = screen.locator('#details section.crew-link[data-member="T03.1"]')
        await expect(link.locator("svg")).to_be_visible()
        url = await link.locator("input.crew-url").input_value()
        assert "/m/#code=" in url
        scanned = ""
        for _ in range(25):  # as a phone's camera does, look again while the drawer is still sliding in
            if scanned := scan(await link.locator(".crew-qr").screenshot()):
                break
            await screen.wait_for_timeout(200)
        assert scanned == url  # the phone's camera reads what the screen shows
        await screen.screenshot(path=str(artifacts / "team-sign-in-link-1920x1080.png"))

        phone_context = await chromium.new_context(**PHONE)
        phone = await phone_context.new_page()
        phone.on("pageerror", lambda exc: problems.append(f"phone: {exc}"))
        await phone.goto(scanned)
        await expect(phone.locator("#net")).to_have_text("在线")
        await expect(row.locator(".chip")).to_have_text("在线", timeout=10000)
        await expect(link).to_have_count(0)  # used: the screen no longer offers it
        await phone_context.close()
        await expect(row.locator(".chip")).to_contain_text("已登录 1 台", timeout=10000)
        await screen.locator("header .lang-toggle").click()
        await expect(row.locator(".chip")).to_contain_text("1 signed in")
        await expect(row.locator('button[data-action="link"]')).to_have_text("Sign-in link")
        assert problems == []


def scan(png: bytes) -> str:
    """The text of the QR code in a screenshot, as a phone's camera would read it."""
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    text, _, _ = cv2.QRCodeDetector().detectAndDecode(image)
    return str(text)


@pytest.fixture(scope="module")
def bank_camera(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RtspServer]:
    """CAM13, the camera on Shimen's river bank, as a real RTSP stream."""
    with serving(tmp_path_factory.mktemp("bank"), {"CAM13": RIVER.render}, seconds=20) as server:
        yield server


async def test_the_officer_turns_an_alert_into_a_case_and_starts_a_call_from_another(
        tmp_path: Path, own_broker: Mosquitto, chromium: Browser, bank_camera: RtspServer) -> None:
    async with hub_for(tmp_path, own_broker, town_watched_by(bank_camera)) as hub:
        await publish_level(own_broker.port, "RS02", hub, 57.9)
        await publish_level(own_broker.port, "RS01", hub, 58.4)
        liuwan, shimen = await open_alert(hub, "river-level", "RS02"), await open_alert(hub, "river-level", "RS01")
        problems: list[str] = []
        context, screen = await open_page(chromium, BIG_SCREEN, problems)
        await sign_in(screen, hub, await account(hub))

        await screen.locator(f'article.alert[data-alert-id="{liuwan.id}"] button[data-action="case"]').click()
        form = screen.locator('dialog[data-ask="case"]')
        await expect(form.locator(".ask-intro")).to_contain_text(liuwan.title)
        await expect(form.locator('input[name="urgent"]')).to_be_checked()
        await form.locator('button[value="ok"]').click()
        notice = screen.locator("dialog.case-notice")
        await expect(notice.locator("h2")).to_contain_text("已立案")
        case = next(c for c in hub.ctx.cases.book.cases.values() if c.alert_id == liuwan.id)
        assert (case.title, case.category, case.urgent, case.village) == (liuwan.title, "flood-safety", True, "liuwan")
        await expect(notice.locator("h2")).to_have_text(f"已立案 {case.number}")
        await expect(notice.locator("a.case-link")).to_have_attribute("href", f"/cases/#{case.id}")
        await notice.locator("button").click()
        await screen.locator(f'article.alert[data-alert-id="{liuwan.id}"] button[data-action="case"]').click()
        await form.locator('button[value="ok"]').click()  # once more: the hub says it is a case already
        await expect(notice.locator("h2")).to_have_text(f"该告警已转为案件 #{case.id}")
        await expect(notice.locator("a.case-link")).to_have_attribute("href", f"/cases/#{case.id}")
        await notice.locator("button").click()
        problems.remove("console: Failed to load resource: the server responded with a status of 409 (Conflict)")

        async with context.expect_page() as opened:
            await screen.locator(f'article.alert[data-alert-id="{shimen.id}"] button[data-action="call"]').click()
        call_page = await opened.value
        await call_page.wait_for_url("**/call/#*")
        call_id = int(call_page.url.rsplit("#", 1)[1])
        await expect(call_page.locator("#join-button")).to_be_visible()
        assert hub.ctx.calls is not None
        call = hub.ctx.calls.book.calls[call_id]
        assert (call.alert_id, call.villages, call.camera) == (shimen.id, ("shimen",), "CAM13")
        assert problems == []
