"""Intake and routing (受理分流) across the link: a case taken at the county is routed to a town, sent back with a
reason, routed again, accepted, handled and closed there, the county seeing each step once and in order, with a
link cut in the middle; and a broadcast request confirmed at the town, with its outcome back at the county."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from tests.county_support import County, Town, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]
OFFICER = "县12345中心 张敏"
COMPLAINT = {"source": "12345热线", "category": "roads", "case_kind": "complaint", "title": "石门桥护栏断裂",
             "matter": "石门桥东侧护栏断裂约3米，夜间有人车坠河风险。来电人电话13812341234。",
             "requester_name": "刘建国", "requester_phone": "13812341234", "address": "石门村石门桥",
             "village": "shimen", "urgent": True, "received_by": OFFICER}


def post(county: County, path: str, body: dict[str, Any], status: int = 200) -> Any:
    response = county.http.post(path, json=body)
    assert response.status_code == status, response.text
    return response.json()


def steps(county: County, case_id: int) -> list[tuple[str, int, str]]:
    return [(s["action"], s["routing"], s["town_step"]) for s in county.get(f"/api/county/intake/{case_id}")["steps"]]


def routed_at_town(console: httpx.Client, routing: int) -> dict[str, Any] | None:
    return next((r for r in console.get("/api/county/routed-cases").json() if r["case"]["routing"] == routing), None)


def test_a_county_case_is_sent_back_routed_again_accepted_and_closed_at_the_town(county: County, town: Town) -> None:
    county.hub.start()
    town.create_admin()
    town.hub.start()
    case = post(county, "/api/county/intake", COMPLAINT, 201)
    assert (case["state"], case["routing"]) == ("received", 0) and case["number"].endswith("-0001")
    post(county, f"/api/county/intake/{case['id']}/route", {"town": "nowhere", "by": OFFICER}, 422)
    post(county, f"/api/county/intake/{case['id']}/route", {"town": "qingxi", "by": OFFICER, "note": "请核实"})
    post(county, f"/api/county/intake/{case['id']}/route", {"town": "hekou", "by": OFFICER}, 409)  # with qingxi
    console = town.signed_in()
    try:
        wait_until(lambda: routed_at_town(console, 1) is not None, 30, "the case at the town")
        first = routed_at_town(console, 1)
        assert first is not None and first["state"] == "waiting" and first["case"]["requester_phone"] == "138****1234"
        back = f"/api/county/routed-cases/{first['seq']}/send-back"
        assert console.post(back, json={"reason": ""}).status_code == 422  # a reason is required
        sent = console.post(back, json={"reason": "石门桥属县交通局管养，不属本镇"})
        assert sent.status_code == 200, sent.text
        assert console.post(f"/api/county/routed-cases/{first['seq']}/accept", json={}).status_code == 409
        wait_until(lambda: county.get(f"/api/county/intake/{case['id']}")["case"]["state"] == "sent_back", 30,
                   "the send-back at the county")
        post(county, f"/api/county/intake/{case['id']}/route", {"town": "qingxi", "by": OFFICER,
                                                                "note": "经核实桥梁日常巡护属镇，请受理"})
        wait_until(lambda: routed_at_town(console, 2) is not None, 30, "the second routing at the town")
        second = routed_at_town(console, 2)
        assert second is not None
        accepted = console.post(f"/api/county/routed-cases/{second['seq']}/accept", json={})
        assert accepted.status_code == 200, accepted.text
        town_case = accepted.json()["town_case_id"]
        made = console.get(f"/api/cases/{town_case}").json()
        assert made["state"] == "accepted" and made["due_at"] is not None and made["source"] == "county"
        assert console.get(f"/api/cases/{town_case}/full").json()["requester"]["phone"] == "13812341234"
        assert console.post(f"/api/county/routed-cases/{second['seq']}/accept", json={}).status_code == 409
        wait_until(lambda: county.get(f"/api/county/intake/{case['id']}")["case"]["state"] == "accepted", 30,
                   "the acceptance at the county")
        county.hub.stop()  # the link is cut while the town works on it
        for step, body in (("route", {"lead": "village:shimen"}), ("start", {}),
                           ("handle", {"result": "已设置临时围挡，护栏已修复"}), ("verify", {}), ("close", {})):
            done = console.post(f"/api/cases/{town_case}/{step}", json=body)
            assert done.status_code == 200, (step, done.text)
        wait_until(lambda: town.outbox() >= 5, 30, "the steps kept in the town's outbox")
        time.sleep(2)  # the town tries and fails meanwhile
    finally:
        console.close()
    county.hub.start()
    every_step_once(county, case["id"], town_case)
    wait_until(lambda: town.outbox() == 0, 30, "the town's outbox emptied")


def every_step_once(county: County, case_id: int, town_case: int) -> None:
    wanted = [("receive", 0, ""), ("route", 1, ""), ("send_back", 1, ""), ("route", 2, ""), ("accept", 2, ""),
              ("step", 2, "route"), ("step", 2, "start"), ("step", 2, "handle"), ("step", 2, "verify"),
              ("step", 2, "close")]
    wait_until(lambda: steps(county, case_id) == wanted, 60, "every step at the county")
    time.sleep(2)  # a repeat would have arrived by now
    seen = county.get(f"/api/county/intake/{case_id}")
    assert [(s["action"], s["routing"], s["town_step"]) for s in seen["steps"]] == wanted
    assert [s["seq"] for s in seen["steps"]] == list(range(1, len(wanted) + 1))
    times = [s["at"] for s in seen["steps"]]
    assert times == sorted(times)
    assert seen["steps"][2]["note"] == "石门桥属县交通局管养，不属本镇" and seen["steps"][2]["town"] == "qingxi"
    assert (seen["case"]["state"], seen["case"]["town_case_id"], seen["case"]["town_state"]) == \
        ("closed", town_case, "closed")
    assert seen["case"]["due_at"] is not None and seen["case"]["limit"]


def test_a_broadcast_request_plays_only_once_confirmed_and_its_outcome_comes_back(county: County,
                                                                                   town: Town) -> None:
    county.hub.start()
    town.create_admin()
    town.hub.start()
    made = post(county, "/api/county/broadcasts", {"towns": ["qingxi", "hekou"], "text": "今晚有强降雨，请注意安全。",
                                                   "priority": "emergency", "requested_by": "县应急局 李华"}, 201)
    assert [r["town"] for r in made] == ["qingxi", "hekou"] and made[0]["state"] == "requested"
    second = post(county, "/api/county/broadcasts", {"towns": ["qingxi"], "text": "防汛演练通知",
                                                     "requested_by": "县应急局 李华"}, 201)
    console = town.signed_in()
    try:
        wait_until(lambda: len(console.get("/api/county/broadcast-requests").json()) == 2, 30, "both requests")
        newest, oldest = console.get("/api/county/broadcast-requests").json()
        assert console.get("/api/broadcast/jobs").json() == []  # nothing plays before the officer confirms
        declined = console.post(f"/api/county/broadcast-requests/{newest['seq']}/decline",
                                json={"reason": "演练已取消"})
        assert declined.status_code == 200, declined.text
        confirmed = console.post(f"/api/county/broadcast-requests/{oldest['seq']}/confirm")
        assert confirmed.status_code == 200, confirmed.text
        job = confirmed.json()["job_id"]
        assert [j["id"] for j in console.get("/api/broadcast/jobs").json()] == [job]
        assert console.post(f"/api/county/broadcast-requests/{oldest['seq']}/confirm").status_code == 409
        assert console.post(f"/api/broadcast/jobs/{job}/cancel").status_code == 200  # the speakers are not there
    finally:
        console.close()

    def at_county(request_id: int) -> dict[str, Any]:
        return next(r for r in county.get("/api/county/broadcasts", town="qingxi") if r["id"] == request_id)

    wait_until(lambda: at_county(made[0]["id"])["state"] == "done", 60, "the outcome at the county")
    outcome = at_county(made[0]["id"])
    assert outcome["job_id"] == job and outcome["job_state"] == "cancelled" and outcome["targeted"] > 0
    assert outcome["played"] + outcome["failed"] == outcome["targeted"] and "王强" in outcome["answered_by"]
    refused = at_county(second[0]["id"])
    assert (refused["state"], refused["reason"]) == ("declined", "演练已取消")
    assert next(r for r in county.get("/api/county/broadcasts", town="hekou"))["state"] == "requested"


def test_the_county_takes_open311_requests_with_the_towns_code(county: County) -> None:
    county.hub.start()
    base = county.view + "/open311/v2"
    form = {"api_key": "qingjiang-12345-demo-key", "service_code": "roads", "lat": "27.2149", "long": "113.0671",
            "description": "石门桥护栏断裂，来电人13812341234", "last_name": "刘", "first_name": "建国",
            "phone": "13812341234"}
    assert any(s["service_code"] == "roads" for s in httpx.get(base + "/services.json", timeout=10).json())
    assert httpx.post(base + "/requests.json", data={**form, "api_key": "wrong"}, timeout=10).status_code == 403
    missing = httpx.post(base + "/requests.json", data={k: v for k, v in form.items() if k not in ("lat", "long")},
                         timeout=10)
    assert missing.status_code == 400 and "location" in missing.json()[0]["description"]
    filed = httpx.post(base + "/requests.json", data=form, timeout=10)
    assert filed.status_code == 201, filed.text
    number = int(filed.json()[0]["service_request_id"])
    case = county.get(f"/api/county/intake/{number}")["case"]
    assert (case["state"], case["source"]) == ("received", "Open311 县12345热线")
    assert (case["requester_name"], case["requester_phone"]) == ("刘建国", "13812341234")
    assert case["location"] == [113.0671, 27.2149]
    post(county, f"/api/county/intake/{number}/route", {"town": "qingxi", "by": OFFICER})
    seen = httpx.get(f"{base}/requests/{number}.json", timeout=10).json()[0]
    assert (seen["status"], seen["agency_responsible"]) == ("open", "青溪镇")
    assert seen["status_notes"] == "已转派乡镇，待乡镇受理"
    assert "13812341234" not in seen["description"] and "138****1234" in seen["description"]
    xml = httpx.get(f"{base}/requests.xml", timeout=10)
    assert xml.status_code == 200 and f"<service_request_id>{number}</service_request_id>" in xml.text
    post(county, "/api/county/intake", COMPLAINT, 201)  # taken at the desk: not listed to Open311 readers
    assert [r["service_request_id"] for r in httpx.get(base + "/requests.json", timeout=10).json()] == [str(number)]
    assert httpx.get(base + "/requests/999.json", timeout=10).status_code == 404
