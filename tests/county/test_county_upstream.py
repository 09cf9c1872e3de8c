"""上游来水 on the screen of the town below: a county hub and two town hubs as processes, linked over HTTPS."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.county_support import County, Town, start_all, wait_until

pytestmark = pytest.mark.integration


@pytest.fixture
def towns(tmp_path: Path, county: County) -> Iterator[tuple[Town, Town]]:
    made = Town(tmp_path, county, "qingxi"), Town(tmp_path, county, "hekou")
    try:
        yield made
    finally:
        for town in made:
            town.hub.stop()


def upstream_alerts(town: Town) -> list[dict[str, Any]]:
    console = town.signed_in()
    try:
        listed = console.get("/api/alerts", params={"rule": "upstream-water"})
        assert listed.status_code == 200, listed.text
        return [a for a in listed.json() if a["rule"] == "upstream-water"]
    finally:
        console.close()


def test_an_upstream_rise_is_an_alert_below_until_its_source_resolves(county: County,
                                                                      towns: tuple[Town, Town]) -> None:
    qingxi, hekou = towns
    county.hub.start()
    for town in towns:
        town.create_admin()
    start_all(qingxi.hub, hekou.hub)
    now = time.time()
    for minutes, metres in ((40, 56.0), (30, 56.15), (20, 56.3), (10, 56.45), (0, 56.6)):  # 0.9 m an hour
        qingxi.level("RS01", metres, now - minutes * 60)
    wait_until(lambda: bool(upstream_alerts(hekou)), 40, "the upstream alert at 河口镇")
    rise = next(a for a in county.get("/api/county/alerts", town="qingxi") if a["rule"] == "river-rise")
    arrives = dt.datetime.fromtimestamp(rise["at"] + 150 * 60, ZoneInfo("Asia/Shanghai")).strftime("%H:%M")
    [alert] = upstream_alerts(hekou)
    assert alert["title"] == "上游来水" and alert["state"] == "raised"
    assert alert["message"] == f"上游来水：青溪镇 清溪河石门水位站 水位上涨，预计 {arrives} 到达"
    assert alert["severity"] == rise["severity"] and alert["detail"]["arrives"] == arrives
    assert upstream_alerts(qingxi) == []  # the town upstream warns, it is not warned
    # The town below's own alert goes up to the county as its alert, and colours it there.
    wait_until(lambda: any(a["rule"] == "upstream-water" for a in
                           county.get("/api/county/alerts", town="hekou", open="true")), 30, "it at the county")
    console = qingxi.signed_in()
    try:
        done = console.post(f"/api/alerts/{rise['alert_id']}/resolve", json={"note": "水位回落"})
        assert done.status_code == 200, done.text
    finally:
        console.close()
    wait_until(lambda: upstream_alerts(hekou)[0]["state"] == "resolved", 30, "the alert below resolved")
    resolved = upstream_alerts(hekou)
    assert len(resolved) == 1 and resolved[0]["id"] == alert["id"]
    history = hekou.signed_in()
    try:
        steps = history.get(f"/api/alerts/{alert['id']}").json()["history"]
    finally:
        history.close()
    assert steps[-1]["action"] == "resolve" and steps[-1]["actor"] == "县级流域联动"
    assert "青溪镇的预警已解除" in steps[-1]["note"]
