"""A county hub and a town hub as separate processes on loopback, linked over HTTPS with mutual TLS."""

from __future__ import annotations

import ssl
import time
from pathlib import Path

import httpx
import pytest
from cryptography.x509.oid import ExtendedKeyUsageOID

from hub.tls import issue_leaf, load_or_make_ca, write_leaf
from tests.case_api_support import desk_case
from tests.county_support import County, Town, start_all, wait_until

pytestmark = pytest.mark.integration


def start_linked(county: County, town: Town) -> None:
    """The county and the town (its administrator made first) starting side by side: each takes seconds to
    import and migrate, and the town's link tries again each second until the county answers."""
    county.hub.spawn()
    town.create_admin()
    town.hub.spawn()
    for hub in (county.hub, town.hub):
        hub.wait_listening()


def county_log(county: County) -> list[tuple[int, str]]:
    return [(e["alert_id"], e["action"]) for e in county.get("/api/county/alerts/log", town="qingxi")]


def test_a_town_alert_and_case_are_seen_at_the_county_masked(county: County, town: Town) -> None:
    start_linked(county, town)
    town.level("RS01", 58.4)  # above its warning level, 58.0
    wait_until(lambda: any(a["device"] == "RS01" for a in county.get("/api/county/alerts", town="qingxi", open="true")),
               30, "the alert at the county")
    alert = county.get("/api/county/alerts", town="qingxi")[0]
    assert (alert["rule"], alert["severity"], alert["state"], alert["basin"]) == \
        ("river-level", "orange", "raised", "清溪河")
    console = town.signed_in()
    try:
        made = console.post("/api/cases", json=desk_case())
        assert made.status_code == 201, made.text
    finally:
        console.close()
    wait_until(lambda: bool(county.get("/api/county/cases", town="qingxi")), 30, "the case at the county")
    case = county.get("/api/county/cases", town="qingxi")[0]
    assert case["state"] == "accepted" and case["due_at"] is not None and case["limit"]
    assert case["requester"] == {"name": "王**", "phone": "138****1234"}
    seen = county.http.get("/api/county/cases").text
    assert "王秀英" not in seen and "13812341234" not in seen and "43049919800101123X" not in seen
    wait_until(lambda: (county.get("/api/county/towns")[1]["summary"] or {}).get("cases_open") == 1, 30,
               "a summary counting the case")
    qingxi = county.get("/api/county/towns")[1]
    assert (qingxi["id"], qingxi["link"], qingxi["open_alerts"], qingxi["worst"]) == ("qingxi", "up", 1, "orange")
    assert qingxi["summary"]["alerts_open"] == {"orange": 1} and qingxi["summary"]["cases_overdue"] == 0
    assert sum(qingxi["summary"]["devices"].values()) > 50
    stations = {s["device"]: s for s in qingxi["summary"]["stations"]}
    assert stations["RS01"]["values"]["water_level"] == 58.4 and stations["RS01"]["warning_level"] == 58.0
    assert stations["RS01"]["basin"] == "清溪河" and "RG01" in stations
    page = county.http.get("/county").text
    assert "清江县 县级平台" in page and "青溪镇" in page and "在线" in page and "橙色" in page


def metric(town: Town, name: str) -> float:
    console = town.signed_in()
    try:
        text = console.get("/metrics").text
    finally:
        console.close()
    return float(next(line.split()[1] for line in text.splitlines() if line.startswith(name + " ")))


def test_alerts_raised_while_the_county_is_down_arrive_once_in_order(county: County, town: Town) -> None:
    start_linked(county, town)
    town.level("RS01", 58.4)
    wait_until(lambda: len(county_log(county)) >= 1, 30, "the first alert at the county")
    county.hub.stop()  # the outage begins
    town.level("RS02", 57.6)  # a second station passes its warning level, 57.3
    town.level("RS01", 59.8)  # the first passes its guarantee level: orange to red
    wait_until(lambda: len(town.transitions()) >= 3 and town.outbox() >= 2, 30, "the town keeping them")
    town.hub.stop()  # and the town restarts during the outage, its outbox on disk
    town.hub.start()
    town.level("RS02", 59.0)  # red as well, raised after the restart
    wait_until(lambda: len(town.transitions()) >= 4, 30, "the town's fourth transition")
    time.sleep(3)  # the town tries and fails a few times
    assert town.outbox() >= 3
    assert metric(town, "gridhub_county_link_up") == 0 and metric(town, "gridhub_county_outbox_messages") >= 3
    county.hub.start()  # the outage ends
    wait_until(lambda: county_log(county) == town.transitions(), 60, "the county's trail equal to the town's")
    time.sleep(2)  # anything repeated would have arrived by now
    log = county.get("/api/county/alerts/log", town="qingxi")
    assert [e["seq"] for e in log] == list(range(1, len(town.transitions()) + 1))
    assert county_log(county) == town.transitions()
    # The sample town's cameras have no stream here and may raise their own offline alerts on a slow run
    stations = {a["device"]: a["severity"] for a in county.get("/api/county/alerts", town="qingxi", open="true")
                if a["device"].startswith("RS")}
    assert stations == {"RS01": "red", "RS02": "red"}
    wait_until(lambda: town.outbox() == 0, 30, "the outbox emptied")
    wait_until(lambda: metric(town, "gridhub_county_link_up") == 1, 30, "the link up at /metrics")
    wait_until(lambda: metric(town, "gridhub_county_outbox_messages") == 0, 30, "no backlog at /metrics")


def test_a_town_speaks_only_for_itself(county: County) -> None:
    county.hub.start()
    certs = county.issue("qingxi")
    context = ssl.create_default_context(cafile=str(certs / "county-ca.pem"))
    context.load_cert_chain(str(certs / "qingxi.pem"), str(certs / "qingxi.key"))
    body = {"town": "hekou", "backlog": 1, "messages": [{"stream": "summary", "seq": 1, "body": {
        "kind": "summary", "at": 1.0, "alerts_open": {}, "cases_open": 0, "cases_overdue": 0, "devices": {}}}]}
    with httpx.Client(base_url=county.link, verify=context, timeout=10) as qingxi:
        refused = qingxi.post("/api/county/link/batch", json=body)
        assert refused.status_code == 403
        assert "qingxi" in refused.json()["detail"] and "hekou" in refused.json()["detail"]
        assert qingxi.post("/api/county/link/batch", json={**body, "town": "qingxi"}).status_code == 200
    assert county.get("/api/county/refused") == [{"certificate": "qingxi", "claimed": "hekou", "count": 1}]
    assert "refused a batch from certificate 'qingxi' claiming town 'hekou'" in county.hub.log()
    towns = {t["id"]: t for t in county.get("/api/county/towns")}
    assert towns["hekou"]["link"] == "never" and towns["hekou"]["summary"] is None
    assert towns["qingxi"]["link"] == "up"


def test_a_certificate_from_another_ca_or_none_is_refused(county: County, tmp_path: Path) -> None:
    county.hub.start()
    certs = county.issue("qingxi")
    (tmp_path / "stranger").mkdir()
    ca_cert, ca_key = load_or_make_ca(tmp_path / "stranger", "ca", "stranger", "stranger CA")
    write_leaf(tmp_path / "forged.pem", tmp_path / "forged.key",
               *issue_leaf(ca_cert, ca_key, "qingxi", frozenset(), ExtendedKeyUsageOID.CLIENT_AUTH))
    for cert in ((tmp_path / "forged.pem", tmp_path / "forged.key"), None):
        context = ssl.create_default_context(cafile=str(certs / "county-ca.pem"))
        if cert is not None:
            context.load_cert_chain(str(cert[0]), str(cert[1]))
        with pytest.raises(httpx.HTTPError), httpx.Client(base_url=county.link, verify=context, timeout=10) as c:
            c.post("/api/county/link/batch", json={"town": "qingxi", "backlog": 0, "messages": []})
    assert county.get("/api/county/towns")[1]["link"] == "never"


def test_a_county_directive_reaches_the_town_once_and_its_acknowledgement_comes_back(county: County,
                                                                                   town: Town) -> None:
    start_linked(county, town)
    issued = county.http.post("/api/county/directives", json={
        "towns": ["qingxi"], "title": "防汛紧急通知", "text": "今晚有强降雨，请加强河道巡查。",
        "issued_by": "县应急局 李华"})
    assert issued.status_code == 201, issued.text
    directive = issued.json()[0]["id"]
    assert county.http.post("/api/county/directives", json={
        "towns": ["nowhere"], "title": "x", "text": "x", "issued_by": "x"}).status_code == 422
    console = town.signed_in()
    try:
        wait_until(lambda: bool(console.get("/api/county/directives").json()), 30, "the directive at the town")
        time.sleep(3)  # the town asks again every second: it still holds it once
        held = console.get("/api/county/directives").json()
        assert [(d["id"], d["title"], d["acked_by"]) for d in held] == [(directive, "防汛紧急通知", None)]
        acked = console.post(f"/api/county/directives/{directive}/acknowledge")
        assert acked.status_code == 200, acked.text
        assert console.post("/api/county/directives/999/acknowledge").status_code == 404
    finally:
        console.close()
    wait_until(lambda: county.get("/api/county/directives", town="qingxi")[0]["acked_by"] is not None, 30,
               "the acknowledgement at the county")
    seen = county.get("/api/county/directives", town="qingxi")[0]
    assert seen["acked_by"] == acked.json()["acked_by"] and "王强" in seen["acked_by"]
    assert seen["acked_at"] == acked.json()["acked_at"]


def test_a_town_that_links_later_sends_its_alert_trail_from_the_start(county: County, town: Town) -> None:
    town.linked(False)
    town.hub.start()
    town.level("RS01", 58.4)
    town.level("RS02", 57.6)
    wait_until(lambda: len(town.transitions()) >= 2, 30, "the town's alerts")
    town.hub.stop()
    town.linked(True)
    start_all(county.hub, town.hub)
    town.level("RS01", 59.8)
    wait_until(lambda: len(town.transitions()) >= 3, 30, "the town's third transition")
    wait_until(lambda: county_log(county) == town.transitions(), 30, "the county's trail equal to the town's")
    time.sleep(2)
    assert county_log(county) == town.transitions()
    log = county.get("/api/county/alerts/log", town="qingxi")
    assert [e["town_seq"] for e in log] == town.trail_seqs()
    assert [e["seq"] for e in log] == list(range(1, len(log) + 1))


def test_a_rise_upstream_warns_the_town_below_and_its_resolution_lifts_it(county: County, town: Town) -> None:
    start_linked(county, town)
    now = time.time()
    for minutes, metres in ((40, 56.0), (30, 56.15), (20, 56.3), (10, 56.45), (0, 56.6)):  # 0.9 m an hour
        town.level("RS01", metres, now - minutes * 60)

    def warnings(kind: str) -> list[dict[str, object]]:
        return [d for d in county.get("/api/county/directives", town="hekou") if d["kind"] == kind]

    wait_until(lambda: bool(warnings("upstream_water")), 30, "the warning to the town below")
    rise = next(a for a in county.get("/api/county/alerts", town="qingxi") if a["rule"] == "river-rise")
    warning = warnings("upstream_water")[0]
    assert warning["arrives_at"] == rise["at"] + 150 * 60  # 青溪镇 to 河口镇, from the county file
    assert warning["title"] == "上游来水预警：青溪镇水位快速上涨" and warning["issued_by"] == "清江县流域联动"
    assert county.get("/api/county/directives", town="shangyuan") == []  # upstream hears nothing
    console = town.signed_in()
    try:
        done = console.post(f"/api/alerts/{rise['alert_id']}/resolve", json={"note": "水位回落"})
        assert done.status_code == 200, done.text
    finally:
        console.close()
    wait_until(lambda: bool(warnings("upstream_water_lifted")), 30, "the warning lifted")
    time.sleep(2)
    assert len(warnings("upstream_water")) == 1 and len(warnings("upstream_water_lifted")) == 1
