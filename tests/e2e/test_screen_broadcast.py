"""The broadcast panel on the big screen, in a real headless Chromium, with simulated speakers on a real broker:
the duty officer warns a village and watches every speaker's receipt arrive, cancels a broadcast that is playing,
and confirms the broadcast an alert proposed."""

from __future__ import annotations

import io
import re
import wave
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, Page, expect

from hub.users.model import Role
from tests.broadcast_support import Rig, rig, tone
from tests.e2e.pages import BIG_SCREEN, open_page, sign_in
from tests.support import account, publish_level, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.timeout(240)]
EVACUATE = "紧急通知：清溪河水位超过保证水位，石门村沿河群众请立即转移到村委会安置点！"
LONG = "各位村民请注意，今天下午三点在村委会召开防汛工作会议，请各户派一名代表准时参加，谢谢配合。"
SHIMEN = ["SPK13", "SPK14", "SPK15"]
LIUWAN = ["SPK16", "SPK17", "SPK18"]
SHANGHAI = ZoneInfo("Asia/Shanghai")  # the sample town's time zone
RIVERSIDE = ["SPK03", *(f"SPK{n}" for n in range(13, 24))]
# Every state each speaker's receipt shows in the panel, in order, stamped as the page sees it change.
WATCH_RECEIPTS = """() => {
  window.receiptStates = {};
  new MutationObserver(() => {
    for (const r of document.querySelectorAll("#bc-job-list .bc-job.followed .bc-receipt")) {
      const seen = (window.receiptStates[r.dataset.speaker] ??= []);
      if (seen.at(-1) !== r.dataset.state) seen.push(r.dataset.state);
    }
  }).observe(document.getElementById("broadcast-panel"), { childList: true, subtree: true, attributes: true });
}"""


async def open_panel(chromium: Browser, r: Rig, problems: list[str]) -> Page:
    _, page = await open_page(chromium, BIG_SCREEN, problems)
    await sign_in(page, r.hub, await account(r.hub, Role.officer))
    await expect(page.locator("#map [data-device]")).to_have_count(len(r.hub.ctx.town.devices))
    await page.click("#broadcast-open")
    await expect(page.locator("#broadcast-panel")).to_be_visible()
    return page


def marker(page: Page, speaker: str) -> object:
    return page.locator(".dev-icon", has=page.locator(f'[data-device="{speaker}"]'))


async def test_the_officer_warns_a_village_and_watches_every_receipt_arrive(
        tmp_path: Path, system_broker_port: int, chromium: Browser, artifacts: Path) -> None:
    async with rig(tmp_path, system_broker_port) as r:
        problems: list[str] = []
        page = await open_panel(chromium, r, problems)
        await page.fill("#bc-text", EVACUATE)
        await page.select_option("#bc-add-village", "shimen")
        await expect(page.locator("#bc-chips [data-kind=villages]")).to_contain_text("石门村")
        await expect(page.locator("#bc-reach")).to_have_text("共 3 个广播终端")
        for speaker in SHIMEN:
            await expect(marker(page, speaker)).to_have_class(re.compile(r"\bbc-target\b"))
        await page.select_option("#bc-priority", "emergency")
        await page.fill("#bc-repeat", "2")

        await page.click("#bc-preview")
        audio = page.locator("#bc-audio")
        await expect(audio).to_have_attribute("src", re.compile(r"^/api/broadcast/audio/\w+\.wav$"), timeout=20000)
        speech = await r.http.get(str(await audio.get_attribute("src")))
        assert speech.status_code == 200 and speech.content[:4] == b"RIFF"  # espeak-ng's WAV, as speakers get it

        await page.evaluate(WATCH_RECEIPTS)
        await page.click("#bc-send")
        job = page.locator("#bc-job-list .bc-job.followed")
        await expect(job.locator(".bc-receipt")).to_have_count(3)
        for speaker in SHIMEN:
            await expect(job.locator(f'[data-speaker="{speaker}"]')).to_have_attribute("data-state", "done",
                                                                                       timeout=30000)
            await expect(marker(page, speaker)).to_have_attribute("data-receipt", "done")
        await expect(job.locator(".bc-state")).to_have_text("已完成")
        await expect(job.locator(".bc-job-summary")).to_contain_text("已播 3/3")
        seen = await page.evaluate("window.receiptStates")
        assert all("playing" in seen[s] and seen[s][-1] == "done" for s in SHIMEN), seen  # watched, not just read

        [stored] = (await r.http.get("/api/broadcast/jobs")).json()
        assert (stored["text"], stored["priority"], stored["repeat"]) == (EVACUATE, "emergency", 2)
        assert stored["speakers"] == SHIMEN and stored["summary"]["played"] == 3
        assert {d for d in r.address if r.speaker(d).plays} == set(SHIMEN)  # the village, nobody else
        assert stored["created_by"].endswith("(officer)")
        await page.screenshot(path=str(artifacts / "broadcast-panel-1920x1080.png"))

        await page.click("header .lang-toggle")
        await expect(job.locator(".bc-state")).to_have_text("done")
        await expect(page.locator("#bc-send")).to_have_text("Broadcast")
        english = await page.locator("#broadcast-panel").inner_text()
        names = [r.hub.ctx.town.device_map()[s].name for s in SHIMEN]
        town = r.hub.ctx.town
        zones = [z.title for z in r.broadcast.config.zones.values()]
        places = [*(v.name for v in town.villages), *(g.name for g in town.grids().values()), *zones]
        for data in sorted([EVACUATE, "张伟", *names, *places], key=len, reverse=True):  # the town's, not words
            english = english.replace(data, "")
        assert not re.search(r"[\u4e00-\u9fff]", english), english
        await page.keyboard.press("Escape")
        await expect(page.locator("#broadcast-panel")).to_be_hidden()
        await expect(marker(page, "SPK13")).not_to_have_attribute("data-receipt", "done")  # the rings go with it
        assert problems == []


async def test_the_officer_cancels_a_playing_broadcast_and_confirms_an_alerts_proposal(
        tmp_path: Path, system_broker_port: int, chromium: Browser) -> None:
    async with rig(tmp_path, system_broker_port) as r:
        problems: list[str] = []
        page = await open_panel(chromium, r, problems)
        await page.click("#bc-pick")
        await page.locator('#map [data-device="SPK01"]').click()
        await expect(page.locator("#bc-chips [data-kind=speakers]")).to_have_attribute("data-value", "SPK01")
        await expect(page.locator("#details")).to_be_hidden()  # picking, not opening the speaker's details
        await page.fill("#bc-text", LONG)
        await page.fill("#bc-repeat", "5")
        await page.click("#bc-send")
        job = page.locator("#bc-job-list .bc-job.followed")
        receipt = job.locator('[data-speaker="SPK01"]')
        await expect(receipt).to_have_attribute("data-state", "playing", timeout=15000)
        await job.locator("button[data-action=cancel]").click()
        await expect(receipt).to_have_attribute("data-state", "cancelled")
        await expect(receipt).to_have_attribute("title", "SPK01 · 已被 值班员 张伟 (officer) 取消")  # the hub's reason
        await page.click("header .lang-toggle")  # and who cancelled it, in English
        await expect(receipt).to_have_attribute("title", "SPK01 · cancelled by Duty officer 张伟 (officer)")
        await page.click("header .lang-toggle")
        await expect(job.locator(".bc-state")).to_have_text("已取消")
        await expect(job.locator("button[data-action=cancel]")).to_have_count(0)
        await wait_for(lambda: r.speaker("SPK01").playing is None, what="the speaker told to stop")
        await the_officer_schedules_a_broadcast_and_cancels_it(page, r)

        await publish_level(system_broker_port, "RS01", r.hub, 59.9)  # over RS01's guarantee level: red
        await wait_for(lambda: len(r.hub.ctx.alerts.book.open_alerts()) == 1, what="alert raised")
        proposal = page.locator("#bc-proposal-list .bc-proposal")
        await expect(proposal).to_have_count(1, timeout=15000)
        await expect(page.locator("#broadcast-pending")).to_have_text("1 条待确认")
        await expect(proposal).to_contain_text("紧急通知")
        await expect(proposal.locator(".bc-job-head")).to_contain_text("来自告警 #1：水位超警")
        await page.click("header .lang-toggle")  # the alert's title in English too
        await expect(proposal.locator(".bc-job-head")).to_contain_text("From alert #1: River level over warning")
        await page.click("header .lang-toggle")
        await proposal.locator("button[data-action=confirm]").click()
        await expect(proposal).to_have_count(0)
        confirmed = page.locator("#bc-job-list .bc-job.followed")
        await expect(confirmed.locator(".bc-receipt")).to_have_count(len(RIVERSIDE))
        await expect(confirmed.locator(".bc-state")).to_have_text("播发中")
        await expect(confirmed.locator(".bc-receipt[data-state=playing]")).not_to_have_count(0, timeout=15000)
        [started] = (await r.http.get("/api/broadcast/jobs", params={"state": "active"})).json()
        assert started["origin"] == "alert:1/0" and started["speakers"] == RIVERSIDE
        assert "confirmed by" in started["note"] and "(officer)" in started["note"]
        await expect(confirmed.locator(".bc-receipt[data-state=done]")).to_have_count(len(RIVERSIDE), timeout=40000)
        await expect(confirmed.locator(".bc-state")).to_have_text("已完成")
        await the_officer_edits_a_proposal_then_confirms_it(page, r, system_broker_port)
        assert problems == []


async def the_officer_schedules_a_broadcast_and_cancels_it(page: Page, r: Rig) -> None:
    tomorrow = (datetime.now(SHANGHAI) + timedelta(days=1)).replace(hour=7, minute=30, second=0, microsecond=0)
    await page.fill("#bc-text", "明早七点半起全镇停水检修，请各户提前储水。")
    await page.select_option("#bc-add-grid", "G01")
    await page.select_option("#bc-when", "at")
    await page.fill("#bc-at", tomorrow.strftime("%Y-%m-%dT%H:%M"))  # the town's time (the page's happens to agree)
    await page.click("#bc-send")
    followed = page.locator("#bc-job-list .bc-job.followed")
    await expect(followed.locator(".bc-job-text")).to_have_text("明早七点半起全镇停水检修，请各户提前储水。")
    await expect(followed.locator(".bc-state")).to_have_text("待播出")
    job = (await r.http.get("/api/broadcast/jobs", params={"state": "scheduled"})).json()[0]
    assert datetime.fromisoformat(job["next_run_at"]).timestamp() == tomorrow.timestamp()
    assert job["speakers"] == ["SPK01"]  # G01's speaker
    await followed.locator("button[data-action=cancel]").click()
    await expect(followed.locator(".bc-state")).to_have_text("已取消")

    await page.fill("#bc-text", "各位村民早上好，今天的天气预报：多云转小雨。")
    await page.select_option("#bc-add-grid", "G01")
    await page.select_option("#bc-when", "daily")
    await page.fill("#bc-daily", "06:30")
    await page.click("#bc-send")
    await expect(followed.locator(".bc-job-text")).to_have_text("各位村民早上好，今天的天气预报：多云转小雨。")
    await expect(followed.locator(".bc-job-head")).to_contain_text("每天 06:30")
    daily = (await r.http.get("/api/broadcast/jobs", params={"state": "scheduled"})).json()[0]
    assert daily["daily_at"] == "06:30"
    assert datetime.fromisoformat(daily["next_run_at"]).astimezone(SHANGHAI).strftime("%H:%M") == "06:30"


async def the_officer_edits_a_proposal_then_confirms_it(page: Page, r: Rig, broker_port: int) -> None:
    await publish_level(broker_port, "RS02", r.hub, 59.2)  # over RS02's guarantee level, in 柳湾村
    await wait_for(lambda: any(a.source == "RS02" for a in r.hub.ctx.alerts.book.open_alerts()), what="RS02 red")
    alert = next(a for a in r.hub.ctx.alerts.book.open_alerts() if a.source == "RS02")
    proposal = page.locator("#bc-proposal-list .bc-proposal", has_text=f"#{alert.id}")
    await proposal.locator("button[data-action=editConfirm]").click()
    await expect(page.locator("#bc-editing")).to_contain_text(f"正在修改告警 #{alert.id} 的建议广播")
    await expect(page.locator("#bc-chips [data-kind=zones]")).to_have_count(1)
    await page.locator("#bc-chips [data-kind=zones] .bc-chip-x").click()  # leave the riverside out: 柳湾村 only
    await expect(page.locator("#bc-reach")).to_have_text("共 3 个广播终端")
    await page.fill("#bc-text", "紧急通知：柳湾村沿河群众请立即转移！")
    await page.fill("#bc-repeat", "1")
    await expect(page.locator("#bc-send")).to_have_text("确认播发")
    await page.click("#bc-send")
    followed = page.locator("#bc-job-list .bc-job.followed")
    await expect(followed.locator(".bc-job-text")).to_have_text("紧急通知：柳湾村沿河群众请立即转移！")
    await expect(page.locator("#bc-send")).to_have_text("播发")
    for speaker in LIUWAN:
        await expect(followed.locator(f'[data-speaker="{speaker}"]')).to_have_attribute("data-state", "done",
                                                                                      timeout=30000)
    job = next(j for j in (await r.http.get("/api/broadcast/jobs")).json() if j["origin"] == f"alert:{alert.id}/0")
    assert job["speakers"] == LIUWAN and job["repeat"] == 1 and job["priority"] == "emergency"


async def test_a_cadre_sees_no_broadcast_controls(tmp_path: Path, system_broker_port: int,
                                                   chromium: Browser) -> None:
    async with rig(tmp_path, system_broker_port) as r:
        problems: list[str] = []
        _, page = await open_page(chromium, BIG_SCREEN, problems)
        await sign_in(page, r.hub, await account(r.hub, Role.cadre, "shimen"))
        await expect(page.locator("#map [data-device]")).not_to_have_count(0)
        await expect(page.locator("#broadcast-open")).to_be_hidden()
        await expect(page.locator("#broadcast-panel")).to_be_hidden()
        assert await page.locator("#broadcast-panel *").count() == 0
        assert problems == []


async def test_the_officer_uploads_a_recording_and_plays_it_to_an_area_code(
        tmp_path: Path, system_broker_port: int, chromium: Browser) -> None:
    async with rig(tmp_path, system_broker_port) as r:
        problems: list[str] = []
        page = await open_panel(chromium, r, problems)
        await page.check("input[name=bc-source][value=recording]")
        await expect(page.locator("#bc-recording")).to_contain_text("暂无录音")
        await page.click(".bc-upload summary")
        await page.fill("#bc-upload-title", "镇长防汛动员讲话")
        await page.set_input_files("#bc-upload-file", files=[{"name": "dongyuan.wav", "mimeType": "audio/wav",
                                                                "buffer": tone(2.0)}])
        await page.click("#bc-upload-send")
        await expect(page.locator("#bc-recording option:checked")).to_have_text("镇长防汛动员讲话（2.0 s）")
        await page.click("#bc-listen")
        await expect(page.locator("#bc-audio")).to_have_attribute("src", re.compile(r"/api/broadcast/audio/\w+\.wav$"))
        await page.fill("#bc-area-code", "12x")
        await page.click("#bc-add-area")
        await expect(page.locator("#bc-error")).to_have_text("行政区划代码应为 2 至 12 位数字")
        await page.fill("#bc-area-code", "430499105001")
        await page.click("#bc-add-area")
        await expect(page.locator("#bc-reach")).to_have_text("共 3 个广播终端")
        r.fleet.set_mode(r.address["SPK02"], "silent")
        await page.click("#bc-send")
        followed = page.locator("#bc-job-list .bc-job.followed")
        await expect(followed.locator(".chip", has_text="录音")).to_have_count(1)
        for speaker in ("SPK01", "SPK03"):
            await expect(followed.locator(f'[data-speaker="{speaker}"]')).to_have_attribute("data-state", "done",
                                                                                          timeout=30000)
            assert r.speaker(speaker).last_play["audio_url"].endswith(".wav")  # the recording, not the text
        silent = followed.locator('[data-speaker="SPK02"]')
        await expect(silent).to_have_attribute("data-state", "failed")
        await expect(silent).to_have_attribute("title", "SPK02 · 1.5 秒内无应答")
        await expect(followed.locator(".bc-job-summary")).to_contain_text("已播 2/3 · 失败 1")

        r.fleet.set_mode(r.address["SPK02"], "ok")
        await followed.locator("button[data-action=retry]").click()  # the same recording, to SPK02 alone
        again = page.locator("#bc-job-list .bc-job.followed")
        await expect(again.locator(".bc-receipt")).to_have_count(1)
        await expect(again.locator('[data-speaker="SPK02"]')).to_have_attribute("data-state", "done", timeout=30000)
        assert r.speaker("SPK02").last_play["audio_url"].endswith(".wav")
        await page.check("input[name=bc-source][value=recording]")
        await page.click("#bc-forget")  # off the list; the job made with it is kept as it was
        await expect(page.locator("#bc-recording")).to_contain_text("暂无录音")
        assert (await r.http.get("/api/broadcast/recordings")).json() == []
        assert problems == []


async def test_the_officer_records_a_message_at_the_microphone(
        tmp_path: Path, system_broker_port: int, call_browser: Browser) -> None:
    async with rig(tmp_path, system_broker_port) as r:
        problems: list[str] = []
        page = await open_panel(call_browser, r, problems)  # Chromium's fake microphone: a beep
        await page.check("input[name=bc-source][value=recording]")
        await page.click(".bc-upload summary")
        await page.click("#bc-rec")
        await expect(page.locator("#bc-rec-status")).to_contain_text("录制中")
        await expect(page.locator("#bc-rec")).to_have_text("■ 停止录制")
        await page.wait_for_timeout(2000)
        await page.click("#bc-rec")
        await expect(page.locator("#bc-rec-status")).to_contain_text("已录制")
        await expect(page.locator("#bc-audio")).to_have_attribute("src", re.compile(r"^blob:"))
        await page.fill("#bc-upload-title", "值班员现场喊话")
        await page.click("#bc-upload-send")
        await expect(page.locator("#bc-recording option:checked")).to_contain_text("值班员现场喊话")
        [kept] = (await r.http.get("/api/broadcast/recordings")).json()
        assert 1.5 < kept["duration_s"] < 3.5, kept
        audio = (await r.http.get(kept["audio"])).content
        with wave.open(io.BytesIO(audio), "rb") as f:
            assert (f.getframerate(), f.getnchannels(), f.getsampwidth()) == (16000, 1, 2)
            samples = memoryview(f.readframes(f.getnframes())).cast("h")
        assert max(abs(s) for s in samples) > 1000  # the beep, not silence
        assert problems == []
