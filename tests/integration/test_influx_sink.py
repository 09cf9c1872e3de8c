"""The InfluxDB sink against real servers: InfluxDB 1.6.7 (v1 /write, InfluxQL) and VictoriaMetrics (v2 write).

The outage test stops the database mid-stream, restarts the hub during the
outage, brings the database back, and counts every reading exactly once.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from adapters.hj212.frame import encode
from hub.app import Hub
from tests.dbservers import InfluxDB1, VictoriaMetrics
from tests.hj212_support import MN1, PW1
from tests.support import hub_settings, make_hub, wait_for

pytestmark = pytest.mark.integration
CHINA = ZoneInfo("Asia/Shanghai")
FACTORS = ("w01018", "w21003", "w01010")  # cod, ammonia_nitrogen, water_temperature
START = int(time.time()) - 3600


@pytest.fixture
def influxdb(tmp_path: Path) -> Iterator[InfluxDB1]:
    server = InfluxDB1(tmp_path / "influxdb")
    server.start()
    server.query("CREATE DATABASE gridhub")
    yield server
    server.stop()


@pytest.fixture
def victoria(tmp_path: Path) -> Iterator[VictoriaMetrics]:
    server = VictoriaMetrics(tmp_path / "vm")
    server.start()
    yield server
    server.stop()


def hub_with_influx(data_dir: Path, broker_port: int, influx: dict[str, object]) -> Hub:
    broker = {"host": "127.0.0.1", "port": broker_port, "client_id": f"gridhub-influx-{uuid.uuid4().hex[:6]}"}
    return make_hub(hub_settings(data_dir, broker, influx=influx))


def station_frame(i: int) -> bytes:
    """Station WQ01's real-time data of second START + i: three readings."""
    data_time = datetime.fromtimestamp(START + i, CHINA).strftime("%Y%m%d%H%M%S")
    cp = ";".join(f"{code}-Rtd={10 + i % 7}.{i % 10},{code}-Flag=N" for code in FACTORS)
    return encode(f"QN={data_time}000;ST=21;CN=2011;PW={PW1};MN={MN1};Flag=5;CP=&&DataTime={data_time};{cp}&&")


async def send(hub: Hub, first: int, count: int) -> None:
    """Frames *first* … *first + count - 1* over TCP, each acknowledged by the hub."""
    port = next(s for s in hub.services if s.name == "hj212").port  # type: ignore[attr-defined]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for i in range(first, first + count):
        writer.write(station_frame(i))
        await writer.drain()
        await asyncio.wait_for(reader.readuntil(b"\r\n"), 5)
    writer.close()
    await writer.wait_closed()


def influx_count(server: InfluxDB1) -> int:
    return sum(int(s["values"][0][1]) for s in server.query("SELECT count(value) FROM /.*/"))  # type: ignore[index]


def vm_count(server: VictoriaMetrics) -> int:
    return sum(len(s["values"]) for s in server.export('{__name__=~".+_value"}'))  # type: ignore[arg-type]


def backlog(hub: Hub) -> float:
    value = hub.ctx.metrics.registry.get_sample_value("gridhub_influx_backlog_bytes")
    return value or 0.0


async def test_v1_write_to_influxdb_1_6_queried_with_influxql(tmp_path: Path, influxdb: InfluxDB1,
                                                              system_broker_port: int) -> None:
    async with hub_with_influx(tmp_path, system_broker_port, {"url": influxdb.url, "api": "v1"}) as hub:
        await send(hub, 0, 20)
        await wait_for(lambda: influx_count(influxdb) == 60, what="written to influx")
    series = influxdb.query('SELECT value, quality, device, grid, kind, village FROM "cod" ORDER BY time')
    assert len(series) == 1
    rows = series[0]["values"]
    assert isinstance(rows, list) and len(rows) == 20
    assert rows[0] == [START * 1000, 10.0, "good", "WQ01", "G28", "water_quality", "hetang"]
    count = influxdb.query('SELECT count(value) FROM /.*/')
    assert sorted((s["name"], s["values"][0][1]) for s in count) == [  # type: ignore[index]
        ("ammonia_nitrogen", 20), ("cod", 20), ("water_temperature", 20)]


async def test_outage_and_hub_restart_lose_and_duplicate_nothing(tmp_path: Path, victoria: VictoriaMetrics,
                                                                 system_broker_port: int) -> None:
    influx = {"url": victoria.url, "api": "v2", "bucket": "gridhub", "org": "town", "timeout_s": 2}
    data_dir = tmp_path / "hub"
    async with hub_with_influx(data_dir, system_broker_port, influx) as hub:
        await send(hub, 0, 30)
        await wait_for(lambda: vm_count(victoria) == 90, what="first readings out")
        stopping = asyncio.create_task(asyncio.to_thread(victoria.stop))  # mid-stream
        await send(hub, 30, 10)
        await stopping
        await send(hub, 40, 20)  # surely while the database is down
        await wait_for(lambda: hub.ctx.recorder.committed == 180, what="second readings in the store")
        await wait_for(lambda: backlog(hub) > 0, what="a backlog on disk")
    async with hub_with_influx(data_dir, system_broker_port, influx) as hub:  # restarted during the outage
        assert backlog(hub) > 0, "the spool did not survive the restart"
        await send(hub, 60, 30)
        await wait_for(lambda: hub.ctx.recorder.committed == 90, what="third readings in the store")
        await asyncio.to_thread(victoria.start)
        await wait_for(lambda: vm_count(victoria) >= 270, timeout=60, what="the backlog written")
        assert backlog(hub) == 0
    samples = await asyncio.to_thread(victoria.export, '{__name__=~".+_value", device="WQ01"}')
    by_series = {str(s["metric"]["__name__"]): s["timestamps"] for s in samples}  # type: ignore[index]
    assert sorted(by_series) == ["ammonia_nitrogen_value", "cod_value", "water_temperature_value"]
    expected = [(START + i) * 1000 for i in range(90)]
    for name, stamps in by_series.items():
        assert sorted(stamps) == expected, f"{name}: {len(stamps)} samples, {len(set(stamps))} distinct"
