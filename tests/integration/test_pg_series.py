"""The PostgreSQL series store on a real server: day partitions, retention, start-up races and the ingest log."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from adapters.pg_partitions import day_of, existing
from adapters.pg_series import PgSeriesStore
from hub.ingestlog import LoggedBatch
from hub.metrics import HubMetrics
from hub.models import DeadLetter, DeviceEvent, DeviceEventKind, IngestBatch, Reading, RejectReason
from hub.recorder import Recorder
from hub.registry import Registry
from hub.settings import HubSettings, RecorderSettings, Role
from hub.store import SeriesQuery

pytestmark = pytest.mark.integration
MIDNIGHT = 1_763_769_600.0  # 2025-11-22 00:00 UTC: a partition boundary
WRITERS, COMMITS = 4, 200
T = TypeVar("T")


@pytest.fixture
def stores(postgres_url: str) -> Iterator[Callable[..., PgSeriesStore]]:
    """Opens stores on the test's schema and closes them all afterwards."""
    made: list[PgSeriesStore] = []

    def open_store(**kwargs: bool) -> PgSeriesStore:
        made.append(PgSeriesStore(postgres_url, **kwargs))
        return made[-1]

    yield open_store
    for store in made:
        store.close()


def seen_by_another(url: str, read: Callable[[Connection], T]) -> T:
    """What *read* finds on a connection of its own."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return read(conn)
    finally:
        engine.dispose()


def partition_days(url: str) -> set[int]:
    return set(seen_by_another(url, existing))


def row_version(url: str) -> str:
    """The transaction that last wrote the test's one reading."""
    return str(seen_by_another(url, lambda c: c.execute(sa.text("SELECT xmin::text FROM gridhub_readings")).scalar()))


def level(ts: float, value: float = 50.0, device: str = "RS01") -> Reading:
    return Reading(device, "water_level", value, "m", ts)


def test_a_write_across_midnight_makes_both_days(stores: Callable[..., PgSeriesStore], postgres_url: str) -> None:
    store = stores()
    store.write([level(MIDNIGHT + 60 * i) for i in range(-30, 30)], [], [])
    days = partition_days(postgres_url)
    assert {day_of(int(MIDNIGHT * 1000)) - 1, day_of(int(MIDNIGHT * 1000))} <= days
    points = store.series(SeriesQuery("RS01", "water_level", MIDNIGHT - 3600, MIDNIGHT + 3600))
    assert len(points) == 60


@pytest.mark.parametrize("ts", [0.0, -86400.0 * 3.5, 4_102_444_800.0, 1.7e12], ids=["epoch", "1969", "2100", "ms-as-s"])
def test_a_clock_far_off_is_stored_in_its_own_day(stores: Callable[..., PgSeriesStore], postgres_url: str,
                                                   ts: float) -> None:
    store = stores()
    store.write([level(MIDNIGHT), level(ts, 1.0)], [], [])
    assert day_of(round(ts * 1000)) in partition_days(postgres_url)
    assert [p.mean for p in store.series(SeriesQuery("RS01", "water_level", ts, ts))] == [1.0]


def test_an_identical_redelivery_rewrites_nothing(stores: Callable[..., PgSeriesStore], postgres_url: str) -> None:
    store = stores()
    store.write([level(MIDNIGHT)], [], [])
    written = row_version(postgres_url)
    store.write([level(MIDNIGHT)], [], [])
    assert row_version(postgres_url) == written
    store.write([level(MIDNIGHT, 51.0)], [], [])
    assert row_version(postgres_url) != written


def test_purge_drops_whole_days_and_trims_the_boundary(stores: Callable[..., PgSeriesStore], postgres_url: str) -> None:
    store = stores()
    store.write([level(MIDNIGHT + 3600 * h) for h in range(72)], [], [])  # three days, 24 readings each
    first = day_of(int(MIDNIGHT * 1000))
    assert store.purge(MIDNIGHT + 86400 * 2 + 3600 * 5) == 24 + 24 + 5
    assert store.count_readings() == 19
    days = partition_days(postgres_url)
    assert first not in days and first + 1 not in days and first + 2 in days


def test_a_day_purged_by_another_process_is_made_again(stores: Callable[..., PgSeriesStore]) -> None:
    writer, purger = stores(), stores()
    writer.write([level(MIDNIGHT)], [], [])
    purger.purge(MIDNIGHT + 86400)
    with pytest.raises(sa.exc.DBAPIError):  # the writer still believed the day existed
        writer.write([level(MIDNIGHT + 60)], [], [])
    writer.write([level(MIDNIGHT + 60)], [], [])  # the recorder's retry
    assert writer.count_readings() == 1


def test_the_recorder_commits_and_purges_through_it(stores: Callable[..., PgSeriesStore]) -> None:
    store = stores(ingest_log=True)
    recorder = Recorder(store, RecorderSettings(), HubMetrics())
    recorder.start()  # its first round also runs retention, so the readings are recent ones
    now = time.time()
    for i in range(3):
        recorder.submit(IngestBatch((level(now - i),), messages=1))
    recorder.stop(timeout=10)
    assert store.count_readings() == 3
    assert sum(len(b.readings) for b in store.tail(0, 10)) == 3


def test_stores_starting_together_on_an_empty_schema_all_come_up(postgres_url: str) -> None:
    barrier = threading.Barrier(4)
    made: list[PgSeriesStore] = []
    errors: list[BaseException] = []

    def start() -> None:
        barrier.wait()
        try:
            made.append(PgSeriesStore(postgres_url))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == [] and len(made) == 4
        made[0].write([level(MIDNIGHT)], [], [])
        assert made[3].count_readings() == 1
    finally:
        for store in made:
            store.close()


def test_the_log_holds_each_commit_s_readings_and_events(stores: Callable[..., PgSeriesStore]) -> None:
    worker, core = stores(ingest_log=True), stores()
    assert core.last_id() == 0
    rain = [Reading("RG01", "rainfall", 0.5, "mm", MIDNIGHT + 0.25), Reading("RG01", "rain_1h", 3.0, "mm", MIDNIGHT)]
    event = DeviceEvent("RG01", DeviceEventKind.ONLINE, MIDNIGHT, "back", {"after_s": 120})
    worker.write(rain, [], [event])
    worker.write([], [DeadLetter("mqtt:x", b"{", RejectReason.NOT_JSON, "bad", MIDNIGHT)], [])  # nothing to log
    worker.write([], [], [event])
    logged = core.tail(0, 10)
    assert [(b.readings, b.events) for b in logged] == [(tuple(rain), (event,)), ((), (event,))]
    assert core.last_id() == logged[-1].id and core.tail(logged[-1].id, 10) == []


def test_without_the_log_setting_nothing_is_logged(stores: Callable[..., PgSeriesStore]) -> None:
    store = stores()
    store.write([level(MIDNIGHT)], [], [])
    assert store.last_id() == 0


def test_purge_removes_old_log_entries_but_keeps_the_newest(postgres_url: str) -> None:
    store = PgSeriesStore(postgres_url, ingest_log=True, log_keep_s=0)
    try:
        for i in range(3):
            store.write([level(MIDNIGHT + i)], [], [])
        newest = store.last_id()
        assert store.purge(0) == 2
        assert [b.id for b in store.tail(0, 10)] == [newest] and store.last_id() == newest
    finally:
        store.close()


def follow(store: PgSeriesStore, done: threading.Event, seen: list[LoggedBatch]) -> None:
    """Tail the log as the core does, until the writers are done and nothing is left."""
    after = 0
    while True:
        finished = done.is_set()
        batch = store.tail(after, 1000)
        seen.extend(batch)
        if batch:
            after = batch[-1].id
        elif finished:
            return


def test_log_ids_follow_commit_order_under_concurrent_writers(stores: Callable[..., PgSeriesStore]) -> None:
    writers = [stores(ingest_log=True) for _ in range(WRITERS)]
    reader = stores()
    done, seen = threading.Event(), list[LoggedBatch]()

    def write(n: int) -> None:
        for seq in range(COMMITS):  # ten minutes apart: the run crosses midnight into a new partition
            writers[n].write([level(MIDNIGHT - 3600 * 12 + 600 * seq, float(seq), f"W{n}")], [], [])

    tailing = threading.Thread(target=follow, args=(reader, done, seen))
    tailing.start()
    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    tailing.join()
    everything = [b.id for b in reader.tail(0, WRITERS * COMMITS + 1)]
    assert len(everything) == WRITERS * COMMITS
    assert [b.id for b in seen] == everything, "the reader skipped or repeated an entry"
    for n in range(WRITERS):
        mine = [r.value for b in seen for r in b.readings if r.device == f"W{n}"]
        assert mine == [float(seq) for seq in range(COMMITS)]



def test_gridhub_store_postgres_logs_for_ingest_workers_only(postgres_url: str, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIDHUB_STORE", "postgres")
    monkeypatch.setenv("GRIDHUB_SERIES_URL", postgres_url)
    logged = []
    for n, role in enumerate((Role.INGEST, Role.CORE)):
        settings = HubSettings(data_dir=tmp_path, role=role)
        store = Registry.discover().store(settings.store)(settings)
        try:
            assert isinstance(store, PgSeriesStore)
            store.write([level(MIDNIGHT + n)], [], [])
            logged.append(store.last_id())
        finally:
            store.close()
    assert logged == [1, 1]


def test_the_series_in_the_state_database_share_its_engine(postgres_url: str) -> None:
    """One pool per database and process: the series store takes the state stores' engine on the same URL."""
    from adapters.alert_store import SqlAlertStore

    alerts = SqlAlertStore(postgres_url)
    series = PgSeriesStore(postgres_url)
    try:
        assert series._engine is alerts.engine
    finally:
        series.close()
    with alerts.engine.connect() as conn:  # the series store gave the engine back; it stays the alert store's
        assert conn.execute(sa.text("SELECT 1")).scalar() == 1
    alerts.close()
