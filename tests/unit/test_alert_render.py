"""Rendering alert events for the chain: who is told at each action, and what the Chinese message says."""

from __future__ import annotations

from hub.alerts.book import AlertBook
from hub.alerts.escalation import EscalationPolicy
from hub.alerts.model import AlertEvent, Severity
from hub.alerts.notify import ALERT_CHAIN, ChainLevel
from hub.alerts.render import Renderer
from hub.town import place_name
from tests.alert_support import DUTY, LEAD, FakeClock, make_book, signal, town_with

BLUE, YELLOW, ORANGE, RED = Severity
GRID_WORKER, VILLAGE_CADRE, DUTY_OFFICER, CENTRE_LEAD = ALERT_CHAIN


def setup(console_url: str | None = None) -> tuple[AlertBook, Renderer, FakeClock]:
    town = town_with(duty_officer=DUTY, centre_lead=LEAD)
    clock = FakeClock()
    return make_book(town, clock), Renderer(town, EscalationPolicy(town, town.alerts), console_url), clock


def levels(renderer: Renderer, event: AlertEvent) -> list[ChainLevel]:
    return [n.level for n in renderer.notifications(event)]


def escalate(book: AlertBook, clock: FakeClock) -> AlertEvent:
    clock.advance(3600)
    (event,) = book.tick()
    return event


def test_a_raise_tells_the_grid_worker_only() -> None:
    book, renderer, _ = setup()
    (event,) = book.apply(signal("river-level", "RS01", ORANGE, value=58.1))
    (note,) = renderer.notifications(event)
    assert note.level is GRID_WORKER
    assert [(r.name, r.phone, r.level) for r in note.recipients] == [("谭芳", "18207342575", GRID_WORKER)]


def test_an_escalation_tells_only_the_new_level() -> None:
    book, renderer, clock = setup()
    book.apply(signal("river-level", "RS01", RED))
    assert levels(renderer, escalate(book, clock)) == [VILLAGE_CADRE]
    assert levels(renderer, escalate(book, clock)) == [DUTY_OFFICER]
    assert levels(renderer, escalate(book, clock)) == [CENTRE_LEAD]
    assert levels(renderer, escalate(book, clock)) == [CENTRE_LEAD], "a reminder goes to the top again"


def test_severity_changes_and_resolving_tell_every_level_reached() -> None:
    book, renderer, clock = setup()
    book.apply(signal("river-level", "RS01", ORANGE))
    escalate(book, clock)
    (up,) = book.apply(signal("river-level", "RS01", RED))
    assert levels(renderer, up) == [GRID_WORKER, VILLAGE_CADRE]
    escalate(book, clock)
    resolved = book.resolve(1, "谭芳", "水已退")
    assert levels(renderer, resolved) == [GRID_WORKER, VILLAGE_CADRE, DUTY_OFFICER]


def test_repeats_and_closing_tell_nobody() -> None:
    book, renderer, _ = setup()
    book.apply(signal("river-level", "RS01", ORANGE))
    book.apply(signal("river-level", "RS01", ORANGE))
    (update,) = book.take_updates()
    assert renderer.notifications(update) == []
    book.resolve(1, "谭芳", "")
    assert renderer.notifications(book.close(1, "值班员", "")) == []


def test_the_message_names_colour_place_time_and_note() -> None:
    book, renderer, _ = setup("http://hub.local:8080/")
    (event,) = book.apply(signal("river-level", "RS01", RED, value=59.6))
    (note,) = renderer.notifications(event)
    assert note.title == "【红色预警】水位超警"
    assert note.text.splitlines() == [
        "【红色预警】水位超警", "编号：#1", "内容：RS01 59.6", "地点：青溪镇 石门村第一网格",
        "时间：2025-06-15 23:06", "等级：红色", "状态：待确认",
        "处置：http://hub.local:8080/#/alerts/1"]
    assert note.markdown.startswith('### <font color="warning">【红色预警】水位超警</font>\n')
    assert '> 地点：<font color="comment">青溪镇 石门村第一网格</font>' in note.markdown


def test_a_persons_note_names_them_and_a_resolve_is_green() -> None:
    book, renderer, _ = setup()
    book.apply(signal("river-level", "RS01", BLUE))
    (note,) = renderer.notifications(book.resolve(1, "谭芳", "水已退"))
    assert note.title == "【蓝色预警已解除】水位超警"
    assert "说明：水已退（谭芳）" in note.text.splitlines()
    assert "状态：已解除" in note.text.splitlines()
    assert note.markdown.startswith('### <font color="info">')


def test_a_basin_alert_names_the_basin_as_its_place() -> None:
    book, renderer, _ = setup()
    (event,) = book.apply(signal("flood-risk", "basin:upper", RED, device=None))
    (note,) = renderer.notifications(event)
    assert note.level is DUTY_OFFICER
    assert "地点：青溪镇 basin:upper" in note.text.splitlines()
    assert [r.name for r in note.recipients] == ["王值班"]


def test_a_place_is_named_once() -> None:
    assert place_name("青溪镇", "石门村", "石门村第一网格") == "青溪镇 石门村第一网格"  # the grid says its village
    assert place_name("青溪镇", "石门村", "第一网格") == "青溪镇 石门村 第一网格"  # a grid named without it
    assert place_name("青溪镇", "", "", "RS01") == "青溪镇 RS01"
