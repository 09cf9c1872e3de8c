"""Escalation steps tell people: one Chinese message per chain level a step names, sent through the alert
channels, retried when a channel fails, logged in the case store and resumed, once, after a restart."""

from __future__ import annotations

import asyncio
from pathlib import Path

from adapters.case_store import SqlCaseStore
from hub.alerts.delivery import Backoff
from hub.alerts.notify import ChainLevel, Notification, Recipient
from hub.alerts.store import Delivery, DeliveryStatus
from hub.cases.book import CaseBook
from hub.cases.model import Case, CaseEvent, CaseState
from hub.cases.notices import CaseNotices
from tests.case_support import Clock, book, case_in, local, new_case, town
from tests.support import wait_for
from tests.unit.test_alert_delivery import FlakyNotifier

FAST = Backoff(first_s=0.01, factor=2.0, max_s=0.05, attempts=4)
SENT, FAILED = DeliveryStatus.SENT, DeliveryStatus.FAILED


class Channel(FlakyNotifier):
    """The alert tests' flaky channel, carrying every notification (a case's has no alert to look at)."""

    def accepts(self, notification: Notification) -> bool:
        return True

    def target(self, notification: Notification) -> str:
        return f"sms:{notification.grid}"


def store_in(tmp_path: Path) -> SqlCaseStore:
    return SqlCaseStore(f"sqlite:///{tmp_path / 'state.sqlite3'}")


def flood_case_overdue() -> tuple[Clock, CaseBook, Case, list[CaseEvent]]:
    """A flood-safety case in 石门村第一网格, in hand, whose first step (village cadre and duty officer) fires."""
    clock = Clock("2026-03-10 10:00")
    b = book(clock)
    case = case_in(b, CaseState.HANDLING, new_case(category="flood-safety", grid="G19"))
    assert case.due_at is not None
    clock.now = b.calendar.add_hours(case.due_at, 1.5)
    return clock, b, case, b.tick()


def notices_for(b: CaseBook, store: SqlCaseStore, clock: Clock) -> CaseNotices:
    return CaseNotices(town(), store, b.calendar, clock, "https://hub.example/", FAST)


async def test_a_step_sends_each_level_it_names_a_short_chinese_message(tmp_path: Path) -> None:
    clock, b, case, events = flood_case_overdue()
    store = store_in(tmp_path)
    store.save([e.case for e in events], [e.entry for e in events])
    notices, channel = notices_for(b, store, clock), Channel("sms")
    await notices.start([channel])
    notices.submit(events)
    await wait_for(lambda: len(channel.sent) == 2)
    await notices.stop()
    cadre, duty = sorted(channel.sent, key=lambda n: list(ChainLevel).index(n.level))
    assert cadre.recipients == (Recipient("张清", "18207348141", ChainLevel.VILLAGE_CADRE),)
    assert duty.recipients == (Recipient("综治中心值班员", "0731-5551234", ChainLevel.DUTY_OFFICER),)
    assert cadre.text == (f"【案件督办】{case.number} 防汛安全\n地点：石门村第一网格\n"
                          f"超时：已超办理时限1.5个工作小时，第1/3级督办\n详情：https://hub.example/cases/#{case.id}\n"
                          "请督促承办单位尽快办理。")
    assert cadre.case is not None and (cadre.case.id, cadre.case.step, cadre.alert) == (case.id, 1, None)
    assert cadre.seq == events[0].entry.seq and local(cadre.ts) == local(clock.now)
    logged = store.deliveries(case.id)
    assert [(d.level, d.status, d.attempts, d.case_id, d.alert_id) for d in logged] == [
        (ChainLevel.VILLAGE_CADRE, SENT, 1, case.id, None), (ChainLevel.DUTY_OFFICER, SENT, 1, case.id, None)]


async def test_a_leader_step_reaches_the_leader_by_phone(tmp_path: Path) -> None:
    clock, b, case, _ = flood_case_overdue()
    assert case.due_at is not None
    clock.now = b.calendar.add_hours(case.due_at, 2.5)
    [second] = b.tick()
    store = store_in(tmp_path)
    store.save([second.case], [second.entry])
    notices, channel = notices_for(b, store, clock), Channel("sms")
    await notices.start([channel])
    notices.submit([second])
    await wait_for(lambda: len(channel.sent) == 1)
    await notices.stop()
    assert channel.sent[0].recipients == (Recipient("副镇长 李军", "13807310002", ChainLevel.LEADER),)
    assert "第2/3级督办" in channel.sent[0].text


async def test_a_failing_channel_is_retried_and_the_log_shows_each_attempt(tmp_path: Path) -> None:
    clock, b, case, events = flood_case_overdue()
    store = store_in(tmp_path)
    store.save([e.case for e in events], [e.entry for e in events])
    notices, channel = notices_for(b, store, clock), Channel("sms", failures=3)
    await notices.start([channel])
    notices.submit(events)
    await wait_for(lambda: len(channel.sent) == 2)
    await notices.stop()
    assert channel.attempts == 5  # the first three fail, whichever level they were for
    logged = store.deliveries(case.id)
    assert {d.status for d in logged} == {SENT} and sum(d.attempts for d in logged) == 5
    assert not channel.closed  # the channels are the alerts': they close them


async def test_a_pending_delivery_is_sent_after_a_restart_and_only_once(tmp_path: Path) -> None:
    clock, b, case, events = flood_case_overdue()
    store = store_in(tmp_path)
    store.save([e.case for e in events], [e.entry for e in events])
    down = Channel("sms", failures=100)
    before = notices_for(b, store, clock)
    await before.start([down])
    before.submit(events)
    await wait_for(lambda: down.attempts >= 2)
    await before.stop()  # the hub stops with both messages still pending
    assert {d.status for d in store.pending_deliveries()} == {DeliveryStatus.PENDING}

    up = Channel("sms")
    after = notices_for(b, store, clock)
    await after.start([up])
    await wait_for(lambda: len(up.sent) == 2)
    await after.stop()
    assert sorted(n.level for n in up.sent) == sorted([ChainLevel.VILLAGE_CADRE, ChainLevel.DUTY_OFFICER])
    assert store.pending_deliveries() == [] and len(store.deliveries(case.id)) == 2

    again = Channel("sms")
    third = notices_for(b, store, clock)
    await third.start([again])
    await asyncio.sleep(0.1)
    await third.stop()
    assert again.attempts == 0


async def test_a_channel_gone_after_a_restart_fails_the_delivery(tmp_path: Path) -> None:
    clock, b, case, events = flood_case_overdue()
    store = store_in(tmp_path)
    store.save([e.case for e in events], [e.entry for e in events])
    before = notices_for(b, store, clock)
    await before.start([Channel("old-sms", failures=100)])
    before.submit(events)
    await asyncio.sleep(0.02)
    await before.stop()
    after = notices_for(b, store, clock)
    await after.start([Channel("sms")])
    await after.stop()
    logged: list[Delivery] = store.deliveries(case.id)
    assert {(d.status, d.error) for d in logged} == {(FAILED, "channel no longer configured")}
