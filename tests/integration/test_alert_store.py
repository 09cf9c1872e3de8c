"""The SQL alert store on real SQLite and real PostgreSQL: alerts, their audit trail, the feed and deliveries."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from adapters.alert_store import SqlAlertStore
from hub.alerts.book import AlertBook
from hub.alerts.evaluators import Signal
from hub.alerts.model import Action, Alert, AlertEvent, AlertState, Severity
from hub.alerts.notify import ChainLevel
from hub.alerts.store import AlertQuery, Delivery, DeliveryStatus, FeedEntry
from tests.alert_support import T0, FakeClock, make_book, signal, town_with

pytestmark = pytest.mark.integration
BLUE, YELLOW, ORANGE, RED = Severity


@pytest.fixture
def store(sql_url: str) -> Iterator[SqlAlertStore]:
    store = SqlAlertStore(sql_url)
    yield store
    store.close()


class Scene:
    """A book whose events are saved the way the alert writer saves them."""

    def __init__(self, store: SqlAlertStore) -> None:
        self.store = store
        self.clock = FakeClock()
        self.book: AlertBook = make_book(town_with(), self.clock)

    def save(self, events: list[AlertEvent], deliveries: tuple[Delivery, ...] = ()) -> list[AlertEvent]:
        latest = {e.alert.id: e.alert for e in events}
        entries = [FeedEntry(e.transition, e.alert) for e in events if e.transition is not None]
        self.store.save(list(latest.values()), entries, list(deliveries))
        return events

    def raise_(self, rule: str, source: str, severity: Severity, value: float | None = None) -> Alert:
        (event,) = self.save(self.book.apply(signal(rule, source, severity, self.clock.now, value)))
        return event.alert


@pytest.fixture
def scene(store: SqlAlertStore) -> Scene:
    return Scene(store)


def delivery(alert_id: int, status: DeliveryStatus, created: float, ident: str = "", attempts: int = 0) -> Delivery:
    return Delivery(ident or uuid.uuid4().hex, alert_id, 1, Action.RAISE, ChainLevel.GRID_WORKER, "robot",
                    "wecom:G19", status, attempts, created, created, None, "")


def test_an_empty_store(store: SqlAlertStore) -> None:
    assert store.last_ids() == (0, 0)
    assert store.unfinished() == [] and store.find(AlertQuery()) == [] and store.feed(0, 10) == []
    assert store.get(1) is None and store.history(1) == [] and store.pending_deliveries() == []


def test_an_alert_and_its_transition_round_trip(scene: Scene) -> None:
    (event,) = scene.save(scene.book.apply(signal("rainfall", "RG01", ORANGE, T0, 101.5)))
    raised = event.alert.evolve(detail={"window": "3h", "totals": {"rainfall_1h": 36.0, "rainfall_3h": 101.5},
                                        "alerts": [1, 2]})
    scene.store.save([raised], [], [])
    assert scene.store.get(1) == raised
    assert scene.store.history(1) == [event.transition]
    assert scene.store.feed(0, 10) == [FeedEntry(event.transition, event.alert)]  # type: ignore[arg-type]
    assert scene.store.last_ids() == (1, 1)


def test_saving_an_alert_again_updates_it(scene: Scene) -> None:
    scene.raise_("river-level", "RS01", ORANGE, 58.1)
    scene.clock.advance(60)
    ack = scene.save([scene.book.acknowledge(1, "谭芳", "收到，马上去河边看")])[0]
    assert scene.store.get(1) == ack.alert
    assert [a.id for a in scene.store.find(AlertQuery())] == [1]
    assert [t.action for t in scene.store.history(1)] == [Action.RAISE, Action.ACKNOWLEDGE]
    assert scene.store.history(1)[1].note == "收到，马上去河边看"


def test_the_feed_keeps_each_alert_as_it_was_at_its_transition(scene: Scene) -> None:
    scene.raise_("river-level", "RS01", ORANGE)
    scene.raise_("device-offline", "CAM01", YELLOW)
    scene.clock.advance(60)
    scene.save(scene.book.apply(signal("river-level", "RS01", RED, scene.clock.now)))
    scene.save([scene.book.acknowledge(1, "谭芳", "")])
    feed = scene.store.feed(0, 100)
    assert [(e.transition.seq, e.alert.id, e.transition.action) for e in feed] == [
        (1, 1, Action.RAISE), (2, 2, Action.RAISE), (3, 1, Action.SEVERITY), (4, 1, Action.ACKNOWLEDGE)]
    assert [(e.alert.severity, e.alert.state) for e in feed if e.alert.id == 1] == [
        (ORANGE, AlertState.RAISED), (RED, AlertState.RAISED), (RED, AlertState.ACKNOWLEDGED)]
    assert [e.transition.seq for e in scene.store.feed(2, 100)] == [3, 4]
    assert [e.transition.seq for e in scene.store.feed(1, 2)] == [2, 3]
    assert scene.store.feed(4, 100) == []
    assert [t.seq for t in scene.store.history(1)] == [1, 3, 4]


def test_unfinished_holds_every_alert_not_closed(scene: Scene) -> None:
    for source in ("RS01", "RS02", "RS03"):
        scene.raise_("river-level", source, ORANGE)
    scene.save([scene.book.resolve(2, "刘亮", ""), scene.book.resolve(3, "胡娟军", "")])
    scene.save([scene.book.close(3, "值班员", "")])
    assert [(a.id, a.state) for a in scene.store.unfinished()] == [(1, AlertState.RAISED), (2, AlertState.RESOLVED)]
    assert scene.store.last_ids() == (3, 6)


def test_find_filters_by_state_severity_rule_place_and_time(scene: Scene) -> None:
    scene.raise_("river-level", "RS01", ORANGE)  # 1: G19, shimen
    scene.clock.advance(600)
    scene.raise_("river-level", "RS02", RED)  # 2: G24, liuwan
    scene.clock.advance(600)
    scene.raise_("device-offline", "CAM01", YELLOW)  # 3: G06, qingxi-sq
    scene.save([scene.book.acknowledge(2, "刘亮", "")])

    def ids(**query: object) -> list[int]:
        return [a.id for a in scene.store.find(AlertQuery(**query))]  # type: ignore[arg-type]

    assert ids() == [3, 2, 1]
    assert ids(states=(AlertState.RAISED,)) == [3, 1]
    assert ids(states=(AlertState.ACKNOWLEDGED, AlertState.RESOLVED)) == [2]
    assert ids(severities=(ORANGE, RED)) == [2, 1]
    assert ids(rule="device-offline") == [3]
    assert ids(device="RS02") == [2]
    assert ids(grid="G19") == [1]
    assert ids(village="qingxi-sq") == [3]
    assert ids(since=T0 + 600) == [3, 2]
    assert ids(until=T0 + 600) == [1]
    assert ids(since=T0 + 600, until=T0 + 1200) == [2]
    assert ids(limit=2) == [3, 2]
    assert ids(rule="river-level", severities=(ORANGE,), grid="G24") == []


def test_find_for_a_village_takes_the_sources_covering_it_too(scene: Scene) -> None:
    scene.raise_("river-level", "RS01", ORANGE)  # 1: shimen
    scene.raise_("river-level", "RS02", RED)  # 2: liuwan
    for source in ("basin:upper", "basin:lower", "town:town"):  # 3, 4, 5: of no village
        scene.save(scene.book.apply(Signal("flood-risk", source, RED, T0, None, source)))

    def ids(**query: object) -> list[int]:
        return [a.id for a in scene.store.find(AlertQuery(**query))]  # type: ignore[arg-type]

    assert ids(village="liuwan") == [2]
    assert ids(village="liuwan", covering=("basin:upper", "town:town")) == [5, 3, 2]
    assert ids(village="liuwan", covering=("basin:upper",), severities=(RED,)) == [3, 2]
    assert ids(covering=("basin:upper",)) == [5, 4, 3, 2, 1]  # covering narrows a village's query only


def test_deliveries_are_upserted_by_id_and_pending_ones_listed(scene: Scene) -> None:
    scene.raise_("river-level", "RS01", ORANGE)
    scene.raise_("river-level", "RS02", ORANGE)
    first = delivery(1, DeliveryStatus.PENDING, T0 + 1, "a" * 32)
    second = delivery(1, DeliveryStatus.PENDING, T0 + 2, "b" * 32)
    other = delivery(2, DeliveryStatus.PENDING, T0 + 3, "c" * 32)
    scene.store.save([], [], [second, first, other])
    assert scene.store.deliveries(1) == [first, second]
    sent = Delivery(first.id, 1, 1, Action.RAISE, ChainLevel.GRID_WORKER, "robot", "wecom:G19",
                    DeliveryStatus.SENT, 2, T0 + 1, T0 + 30, None, "")
    failed = Delivery(other.id, 2, 1, Action.RAISE, ChainLevel.GRID_WORKER, "robot", "wecom:G24",
                      DeliveryStatus.FAILED, 8, T0 + 3, T0 + 900, None, "HTTP 404")
    scene.store.save([], [], [sent, failed])
    assert scene.store.deliveries(1) == [sent, second]
    assert scene.store.deliveries(2) == [failed]
    assert scene.store.pending_deliveries() == [second]


def test_a_failed_save_stores_nothing_of_its_batch(scene: Scene) -> None:
    (raised,) = scene.save(scene.book.apply(signal("river-level", "RS01", ORANGE)))
    assert raised.transition is not None
    changed = raised.alert.evolve(state=AlertState.ACKNOWLEDGED)
    reused_seq = FeedEntry(raised.transition, changed)  # seq 1 again: the transition insert fails
    with pytest.raises(sa.exc.IntegrityError):
        scene.store.save([changed], [reused_seq], [delivery(1, DeliveryStatus.PENDING, T0)])
    assert scene.store.get(1) == raised.alert
    assert scene.store.deliveries(1) == []


def test_everything_is_there_after_a_restart(sql_url: str, scene: Scene) -> None:
    scene.raise_("river-level", "RS01", RED, 59.6)
    scene.clock.advance(300)
    scene.save(scene.book.tick())
    scene.store.close()
    again = SqlAlertStore(sql_url)
    try:
        (alert,) = again.unfinished()
        assert (alert.escalation_level, alert.next_escalation_at) == (1, T0 + 900)  # cadre reminded in 10 min
        assert again.last_ids() == (1, 2)
        book = make_book(town_with(), scene.clock, again.unfinished(), *again.last_ids())
        assert book.apply(signal("river-level", "RS01", RED)) == []
    finally:
        again.close()
