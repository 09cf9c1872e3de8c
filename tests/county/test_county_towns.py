"""Three town hubs along a river and one county hub, as separate processes: one town's line to the county is cut
during a flood and mended; the upstream town's rise warns the towns below; nothing is lost or repeated."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.county_support import Cable, County, Town, start_all, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.timeout(400)]


def trail(county: County, town: str) -> list[tuple[int, str]]:
    return [(e["alert_id"], e["action"]) for e in county.get("/api/county/alerts/log", town=town)]


def warned(county: County, town: str, kind: str = "upstream_water") -> list[dict[str, object]]:
    return [d for d in county.get("/api/county/directives", town=town) if d["kind"] == kind]


def test_a_cut_line_during_a_flood_loses_nothing_and_the_rise_upstream_warns_below(
        tmp_path: Path, county: County) -> None:
    cable = Cable(county.link_port)
    shangyuan, qingxi = Town(tmp_path, county, "shangyuan"), Town(tmp_path, county, "qingxi")
    hekou = Town(tmp_path, county, "hekou", via=cable.url)
    towns = (shangyuan, qingxi, hekou)
    try:
        hekou.create_admin()
        start_all(county.hub, *(t.hub for t in towns))
        wait_until(lambda: all(t["link"] == "up" for t in county.get("/api/county/towns")), 60, "three links up")
        cable.cut()
        now = time.time()
        for minutes, metres in ((40, 56.0), (30, 56.15), (20, 56.3), (10, 56.45), (0, 56.6)):  # 0.9 m an hour
            shangyuan.level("RS01", metres, now - minutes * 60)
        hekou.level("RS01", 58.4)  # hekou's own alerts while its line is cut
        hekou.level("RS02", 57.6)
        hekou.level("RS01", 59.8)
        wait_until(lambda: bool(warned(county, "qingxi")) and bool(warned(county, "hekou")), 30, "the warnings")
        rise = next(a for a in county.get("/api/county/alerts", town="shangyuan") if a["rule"] == "river-rise")
        assert [w["arrives_at"] for w in warned(county, "qingxi") + warned(county, "hekou")] == \
            [rise["at"] + 90 * 60, rise["at"] + 240 * 60]
        wait_until(lambda: len(hekou.transitions()) >= 3, 30, "hekou's alerts")
        time.sleep(5)  # the line stays cut while hekou tries
        assert trail(county, "hekou") == [] and hekou.outbox() >= 3
        statuses = {t["id"]: t for t in county.get("/api/county/towns")}
        assert statuses["hekou"]["open_alerts"] == 0 and statuses["qingxi"]["link"] == "up"
        cable.mend()
        wait_until(lambda: trail(county, "hekou") == hekou.transitions(), 60, "hekou's trail at the county")
        wait_until(lambda: hekou.outbox() == 0, 30, "hekou's outbox emptied")
        assert trail(county, "hekou") == hekou.transitions()
        log = county.get("/api/county/alerts/log", town="hekou")
        assert len(log) >= 3 and [e["seq"] for e in log] == list(range(1, len(log) + 1))
        at_county = {a["alert_id"]: a["severity"] for a in county.get("/api/county/alerts", town="hekou", open="true")}
        assert at_county == hekou.open_alerts()
        for town in towns:
            name = town.alone["town"]["id"]
            wait_until(lambda t=town, n=name: trail(county, n) == t.transitions(), 30, f"{name}'s trail")
        console = hekou.signed_in()
        try:
            wait_until(lambda: bool(console.get("/api/county/directives").json()), 30, "the warning at hekou")
            time.sleep(2)
            held = console.get("/api/county/directives").json()
        finally:
            console.close()
        assert [(d["kind"], d["arrives_at"]) for d in held] == [("upstream_water", rise["at"] + 240 * 60)]
    finally:
        cable.cut()
        for town in towns:
            town.hub.kill()  # their folders are the test's own
