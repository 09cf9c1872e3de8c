"""The series stores, SQLite and PostgreSQL alike: batches, downsampling, idempotent redelivery, retention, rejects."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.pg_series import PgSeriesStore
from adapters.sqlite_store import SqliteStore
from hub.models import DeadLetter, DeviceEvent, DeviceEventKind, Quality, Reading, RejectReason
from hub.store import DeadLetterQuery, SeriesQuery, Store

pytestmark = pytest.mark.integration
T0 = 1_763_799_600.0  # a multiple of 600 s: buckets align to the epoch


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """SQLite in the test's temporary folder, then PostgreSQL in a schema of its own."""
    made: Store
    if request.param == "sqlite":
        made = SqliteStore(tmp_path / "s.sqlite3")
    else:
        made = PgSeriesStore(str(request.getfixturevalue("postgres_url")))
    yield made
    made.close()


def levels(n: int, start: float = T0) -> list[Reading]:
    return [Reading("RS01", "water_level", 50 + i / 100, "m", start + 60 * i) for i in range(n)]


def test_downsampled_series(store: Store) -> None:
    store.write(levels(60), [], [])
    points = store.series(SeriesQuery("RS01", "water_level", T0, T0 + 3600, every=600))
    assert [p.count for p in points] == [10] * 6
    first = points[0]
    assert first.min == 50.0 and first.max == pytest.approx(50.09) and first.mean == pytest.approx(50.045)
    raw = store.series(SeriesQuery("RS01", "water_level", T0, T0 + 120))
    assert [p.mean for p in raw] == [50.0, 50.01, 50.02]


def test_redelivered_reading_is_not_duplicated(store: Store) -> None:
    store.write(levels(5), [], [])
    store.write(levels(5), [], [])
    store.write([*levels(700), *levels(700)], [], [])  # twice within one statement
    assert store.count_readings() == 700


def test_many_rows_in_whole_and_partial_statements(store: Store) -> None:
    store.write(levels(1234), [], [])
    points = store.series(SeriesQuery("RS01", "water_level", T0, T0 + 60 * 1234))
    assert [p.ts for p in points] == [T0 + 60 * i for i in range(1234)]


def test_latest_per_quantity(store: Store) -> None:
    store.write([*levels(3), Reading("RS01", "rainfall", 2.5, "mm", T0)], [], [])
    latest = {r.quantity: r.value for r in store.latest("RS01")}
    assert latest == {"water_level": 50.02, "rainfall": 2.5}


def test_retention_purges_old_rows(store: Store) -> None:
    store.write(levels(10), [DeadLetter("x", b"{", RejectReason.NOT_JSON, "bad", T0)],
                [DeviceEvent("RS01", DeviceEventKind.ONLINE, T0)])
    assert store.purge(T0 + 60 * 5) == 5 + 1 + 1
    assert store.count_readings() == 5


def test_dead_letters_filtered_newest_first(store: Store) -> None:
    letters = [DeadLetter("mqtt:a", b"x" * 10000, RejectReason.NOT_JSON, "bad", T0, "RS01"),
               DeadLetter("mqtt:b", b"{}", RejectReason.NO_ROUTE, "none", T0 + 1)]
    store.write([], letters, [])
    got = store.dead_letters(DeadLetterQuery())
    assert [d.reason for d in got] == [RejectReason.NO_ROUTE, RejectReason.NOT_JSON]
    assert len(got[1].raw) == 4096
    assert [d.source for d in store.dead_letters(DeadLetterQuery(device="RS01"))] == ["mqtt:a"]


def test_day_buckets_start_at_local_midnight(store: Store) -> None:
    local_midnight = 1_763_740_800.0  # 2025-11-22 00:00 in Asia/Shanghai (16:00 UTC the day before)
    rain = [Reading("RG01", "rainfall", 1.0, "mm", local_midnight - 3600 + 600 * i) for i in range(12)]
    store.write(rain, [], [])
    days = store.series(SeriesQuery("RG01", "rainfall", local_midnight - 86400, local_midnight + 86400,
                                    every=86400, utc_offset=8 * 3600))
    assert [(p.ts, p.sum, p.count) for p in days] == [(local_midnight - 86400, 6.0, 6), (local_midnight, 6.0, 6)]


def test_a_failed_write_forgets_the_series_it_created(store: Store) -> None:
    store.write(levels(1), [], [])
    flow = Reading("RS02", "flow", 3.0, "m3/s", T0)
    unstorable = DeadLetter("x", object(), RejectReason.NOT_JSON, "bad", T0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):  # fails after the new series was inserted: all rolls back
        store.write([flow], [unstorable], [])
    store.write([Reading("RS03", "water_level", 52.0, "m", T0)], [], [])
    store.write([flow], [], [])
    assert {r.quantity: r.value for r in store.latest("RS02")} == {"flow": 3.0}
    assert {r.quantity: r.value for r in store.latest("RS03")} == {"water_level": 52.0}


def test_a_limit_keeps_the_newest_points(store: Store) -> None:
    store.write(levels(30), [], [])
    points = store.series(SeriesQuery("RS01", "water_level", T0, T0 + 3600, limit=10))
    assert [p.ts for p in points] == [T0 + 60 * i for i in range(20, 30)]


def test_quality_and_events_come_back_as_written(store: Store) -> None:
    store.write([Reading("RS01", "water_level", 50.0, "m", T0, Quality.SUSPECT)], [],
                [DeviceEvent("RS01", DeviceEventKind.OFFLINE, T0, "no_frames", {"stream": "main", "n": 3})])
    assert store.latest("RS01") == [Reading("RS01", "water_level", 50.0, "m", T0, Quality.SUSPECT)]
    assert store.device_events("RS01", 10) == [
        DeviceEvent("RS01", DeviceEventKind.OFFLINE, T0, "no_frames", {"stream": "main", "n": 3})]
    assert store.device_events("RS02", 10) == []


def test_a_redelivery_updates_value_and_quality(store: Store) -> None:
    store.write([Reading("RS01", "water_level", 50.0, "m", T0, Quality.SUSPECT)], [], [])
    store.write([Reading("RS01", "water_level", 50.5, "m", T0)], [], [])
    assert store.latest("RS01") == [Reading("RS01", "water_level", 50.5, "m", T0)]
    assert store.count_readings() == 1


def test_unknown_series_is_empty(store: Store) -> None:
    assert store.series(SeriesQuery("RS09", "water_level", T0, T0 + 60)) == []
    assert store.latest("RS09") == []
