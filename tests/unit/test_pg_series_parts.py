"""The PostgreSQL series store's pure parts: day partitions, the ingest log's body, quality codes, the plugin."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from adapters.pg_ingest_log import decode, encode
from adapters.pg_partitions import DAY_MS, create_sql, day_of, partition_name
from adapters.pg_schema import QUALITIES, QUALITY_CODES
from adapters.plugins import POSTGRES
from hub.models import DeviceEvent, DeviceEventKind, Quality, Reading
from hub.settings import HubSettings

NOV_22 = 20_414  # 2025-11-22, days since 1970-01-01


def test_a_day_is_a_utc_date_and_its_bounds_are_milliseconds() -> None:
    assert day_of(NOV_22 * DAY_MS) == NOV_22 and day_of(NOV_22 * DAY_MS - 1) == NOV_22 - 1
    assert partition_name(NOV_22) == "gridhub_readings_20251122"
    assert create_sql(NOV_22).endswith(f"FROM ({NOV_22 * DAY_MS}) TO ({(NOV_22 + 1) * DAY_MS})")


def test_days_a_wrong_clock_gives_are_named_by_number() -> None:
    assert day_of(-1) == -1  # floor, not towards zero: 1969-12-31 23:59:59.999 is the day before
    assert partition_name(-4) == "gridhub_readings_d-4"
    assert partition_name(day_of(round(1.7e15))) == "gridhub_readings_d19675925"
    assert partition_name(0) == "gridhub_readings_19700101"


def test_the_log_body_names_each_series_once_and_comes_back_whole() -> None:
    readings = (Reading("RG01", "rainfall", 0.5, "mm", 1_763_769_600.125),
                Reading("RG01", "rainfall", 0.0, "mm", 1_763_769_660.0, Quality.SUSPECT),
                Reading("RG01", "rain_1h", 3.5, "mm", 1_763_769_660.0))
    events = (DeviceEvent("RG01", DeviceEventKind.OFFLINE, 1_763_769_700.0, "silent", {"after_s": 600}),)
    body = encode(readings, events)
    assert orjson.loads(body)["s"] == [["RG01", "rainfall", "mm"], ["RG01", "rain_1h", "mm"]]
    batch = decode(7, 1_763_769_701.5, body)
    assert (batch.id, batch.readings, batch.events, batch.committed_at) == (7, readings, events, 1_763_769_701.5)


def test_every_quality_has_its_own_stored_code() -> None:
    assert set(QUALITY_CODES) == set(Quality)
    assert len(QUALITIES) == len(QUALITY_CODES)


@pytest.mark.parametrize(("url", "error"), [(None, "neither is set"), ("sqlite:///x.sqlite3", "not sqlite:")])
def test_the_postgres_plugin_names_the_settings_it_needs(tmp_path: Path, url: str | None, error: str) -> None:
    assert POSTGRES.store is not None
    with pytest.raises(ValueError, match=f"GRIDHUB_SERIES_URL .*GRIDHUB_STATE_URL.*{error}"):
        POSTGRES.store(HubSettings(data_dir=tmp_path, store="postgres", state_url=url))
