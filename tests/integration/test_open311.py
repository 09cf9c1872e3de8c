"""Open311 GeoReport v2 against the spec's shapes: services, definitions, POST with its required arguments and
errors, GET requests and tokens, JSON and XML."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import httpx
import pytest

from hub.app import Hub
from hub.cases.config import ApiKey
from hub.users.model import Role
from tests.case_support import middle_of
from tests.support import console_url, hub_settings, make_hub, sample_town, signed_in

pytestmark = pytest.mark.integration
KEY = "qingxi-12345-demo-key"  # the sample town's demo key
FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
LON, LAT = middle_of("G19")
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
REQUEST_FIELDS = {"service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"}


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[tuple[Hub, httpx.AsyncClient]]:
    async with make_hub(hub_settings(tmp_path, None)) as hub, \
            httpx.AsyncClient(base_url=console_url(hub) + "open311/v2") as http:
        yield hub, http


async def post(http: httpx.AsyncClient, fmt: str = "json", **args: str) -> httpx.Response:
    return await http.post(f"/requests.{fmt}", data={"api_key": KEY, **args}, headers=FORM)


def dispute(**extra: str) -> dict[str, str]:
    return {"service_code": "disputes", "lat": str(LAT), "long": str(LON), "attribute[dispute_kind]": "land",
            "description": "两户因宅基地界址发生争执，来电人电话13812341234", "first_name": "秀英", "last_name": "王",
            "phone": "13812341234", "email": "wang@example.cn", "account_id": "A-17", **extra}


async def test_services_and_their_definitions(api: tuple[Hub, httpx.AsyncClient]) -> None:
    _, http = api
    listed = await http.get("/services.json")
    assert listed.status_code == 200 and listed.headers["content-type"] == "application/json; charset=utf-8"
    services = {s["service_code"]: s for s in listed.json()}
    assert all(set(s) == SERVICE_FIELDS for s in services.values())
    assert services["disputes"]["metadata"] is True and services["roads"]["metadata"] is False
    assert services["disputes"]["group"] == "综治9+X" and services["farmland-water"]["group"] == "本镇事项"
    assert services["roads"]["type"] == "realtime"
    definition = (await http.get("/services/disputes.json")).json()
    [attribute] = definition["attributes"]
    assert definition["service_code"] == "disputes"
    assert set(attribute) == {"variable", "code", "datatype", "required", "datatype_description", "order",
                              "description", "values"}
    assert attribute["datatype"] == "singlevaluelist" and attribute["required"] is True and attribute["order"] == 1
    assert {"key": "land", "name": "土地山林"} in attribute["values"]
    missing = await http.get("/services/nothing.json")
    assert missing.status_code == 404 and missing.json() == [{"code": 404,
                                                              "description": "service_code 'nothing' was not found"}]
    xml = await http.get("/services.xml")
    assert xml.headers["content-type"] == "text/xml; charset=utf-8" and xml.text.startswith('<?xml version="1.0"')
    root = ET.fromstring(xml.content)
    assert root.tag == "services" and root.find("service/service_code") is not None
    foreign = await http.get("/services.json", params={"jurisdiction_id": "elsewhere.gov.cn"})
    assert foreign.status_code == 404 and "jurisdiction_id" in foreign.json()[0]["description"]
    assert (await http.get("/services.json", params={"jurisdiction_id": "qingxi"})).status_code == 200
    assert (await http.get("/services.yaml")).status_code == 404


async def test_post_a_request_and_follow_it(api: tuple[Hub, httpx.AsyncClient]) -> None:
    hub, http = api
    made = await post(http, **dispute(media_url="https://example.cn/p/1.jpg"))
    assert made.status_code == 201, made.text
    [answer] = made.json()
    assert set(answer) == {"service_request_id", "service_notice", "account_id"}
    assert answer["account_id"] == "A-17" and answer["service_notice"] == "受理后13个工作日内办结"
    case = hub.ctx.cases.book.cases[int(answer["service_request_id"])]
    assert case.source.value == "open311" and case.source_ref == "open311:12345热线" and case.grid == "G19"
    assert case.requester is not None and case.requester.name == "王秀英"
    assert case.attributes == {"dispute_kind": "land"}
    [shown] = (await http.get(f"/requests/{case.id}.json")).json()
    assert set(shown) == REQUEST_FIELDS and shown["status"] == "open" and shown["status_notes"] == "已接收"
    assert shown["description"] == "两户因宅基地界址发生争执，来电人电话138****1234"
    assert shown["lat"] == LAT and shown["long"] == LON and shown["media_url"] == "https://example.cn/p/1.jpg"
    assert shown["requested_datetime"].endswith("Z")
    listed = (await http.get("/requests.json", params={"status": "open", "service_code": "disputes"})).json()
    assert [r["service_request_id"] for r in listed] == [answer["service_request_id"]]
    assert (await http.get("/requests.json", params={"status": "closed"})).json() == []
    by_id = await http.get("/requests.json", params={"service_request_id": f"{case.id},999"})
    assert [r["service_request_id"] for r in by_id.json()] == [str(case.id)]
    xml = ET.fromstring((await http.get(f"/requests/{case.id}.xml")).content)
    assert xml.tag == "service_requests" and xml.findtext("request/status") == "open"
    assert xml.findtext("request/zipcode") == ""  # an empty element, as the spec shows it


async def test_closed_requests_say_how(api: tuple[Hub, httpx.AsyncClient]) -> None:
    hub, http = api
    request_id = (await post(http, **dispute())).json()[0]["service_request_id"]
    officer = await signed_in(hub, Role.officer)
    base = console_url(hub) + f"api/cases/{request_id}"
    async with httpx.AsyncClient(headers=officer) as centre:
        for step, body in (("accept", {}), ("route", {"lead": "department:judicial"}), ("start", {}),
                           ("handle", {"result": "经调解双方重新确认界址"}), ("verify", {}), ("close", {})):
            assert (await centre.post(f"{base}/{step}", json=body)).status_code == 200, step
    [shown] = (await http.get(f"/requests/{request_id}.json")).json()
    assert shown["status"] == "closed" and shown["status_notes"] == "经调解双方重新确认界址"
    assert shown["agency_responsible"] == "司法所" and shown["expected_datetime"] is not None


@pytest.mark.parametrize(("args", "status", "description"), [
    ({"service_code": ""}, 400, "service_code was not provided"),
    ({"service_code": "nothing"}, 404, "service_code 'nothing' was not found"),
    ({"lat": "", "long": ""}, 400, "a location was not provided: lat & long, address_string or address_id"),
    ({"long": ""}, 400, "lat and long must both be given, as WGS-84 degrees"),
    ({"lat": "91x"}, 400, "lat and long must both be given, as WGS-84 degrees"),
    ({"lat": "40.7", "long": "-74.0"}, 400, "lat and long are outside the area this endpoint serves"),
    ({"attribute[dispute_kind]": ""}, 400, "attribute[dispute_kind] was not provided (纠纷类型)"),
    ({"attribute[dispute_kind]": "war"}, 400, "attribute[dispute_kind] must be one of family, labour, land, "
                                              "neighbour, other"),
    ({"description": "长" * 4001}, 400, "description is longer than 4000 characters"),
    ({"jurisdiction_id": "elsewhere"}, 404, "jurisdiction_id 'elsewhere' was not found; this endpoint serves "
                                             "'qingxi'"),
])
async def test_post_errors_name_what_is_wrong(api: tuple[Hub, httpx.AsyncClient], args: dict[str, str],
                                              status: int, description: str) -> None:
    _, http = api
    refused = await post(http, **dispute(**args))
    assert refused.status_code == status
    assert refused.json() == [{"code": status, "description": description}]


async def test_every_missing_argument_at_once_and_the_key(api: tuple[Hub, httpx.AsyncClient]) -> None:
    hub, http = api
    refused = await post(http, service_code="disputes")
    assert refused.status_code == 400
    assert [e["description"] for e in refused.json()] == [
        "a location was not provided: lat & long, address_string or address_id",
        "attribute[dispute_kind] was not provided (纠纷类型)"]
    no_key = await http.post("/requests.json", data=dispute(), headers=FORM)
    assert no_key.status_code == 400 and no_key.json()[0]["description"] == "api_key was not provided"
    wrong = await http.post("/requests.json", data={"api_key": "guess", **dispute()}, headers=FORM)
    assert wrong.status_code == 403 and wrong.json() == [{"code": 403, "description": "api_key is not valid"}]
    xml = await http.post("/requests.xml", data={"api_key": "guess", **dispute()}, headers=FORM)
    root = ET.fromstring(xml.content)
    assert root.tag == "errors" and root.findtext("error/code") == "403"
    by_address = await post(http, **dispute(lat="", long="", address_string="石门村三组8号"))
    assert by_address.status_code == 201
    assert hub.ctx.cases.book.cases[int(by_address.json()[0]["service_request_id"])].address == "石门村三组8号"


async def test_tokens_and_batch_clients(tmp_path: Path) -> None:
    loaded = sample_town()
    cases = loaded.town.cases.model_copy(update={"open311": loaded.town.cases.open311.model_copy(update={
        "response": "batch", "api_keys": (ApiKey(client="县平台", sha256=hashlib.sha256(b"k-2").hexdigest()),)})})
    town = dataclasses.replace(loaded, town=loaded.town.model_copy(update={"cases": cases}))
    async with make_hub(hub_settings(tmp_path, None), town) as hub, \
            httpx.AsyncClient(base_url=console_url(hub) + "open311/v2") as http:
        made = await http.post("/requests.json", data={"api_key": "k-2", **dispute()}, headers=FORM)
        [answer] = made.json()
        assert set(answer) == {"token", "service_notice", "account_id"}
        found: Any = (await http.get(f"/tokens/{answer['token']}.json")).json()
        assert found == [{"service_request_id": "1", "token": answer["token"]}]
        assert (await http.get("/services.json")).json()[0]["type"] == "batch"
        missing = await http.get("/tokens/nothing.json")
        assert missing.status_code == 404 and missing.json()[0]["code"] == 404
        assert hub.ctx.cases.book.cases[1].source_ref == "open311:县平台"


async def test_other_channels_stay_inside_the_centre(api: tuple[Hub, httpx.AsyncClient]) -> None:
    hub, http = api
    officer = await signed_in(hub, Role.officer)
    async with httpx.AsyncClient() as centre:
        desk = await centre.post(console_url(hub) + "api/cases", headers=officer, json={
            "requester": {"name": "李"}, "category": "disputes", "grid": "G19", "matter": "家庭纠纷"})
    desk_id = desk.json()["case"]["id"]
    assert (await http.get(f"/requests/{desk_id}.json")).status_code == 404
    assert (await http.get("/requests.json")).json() == []
    too_long = await http.get("/requests.json", params={"start_date": "2026-01-01T00:00:00Z",
                                                        "end_date": "2026-06-01T00:00:00Z"})
    assert too_long.status_code == 400 and "90 days" in too_long.json()[0]["description"]
    bad_date = await http.get("/requests.json", params={"start_date": "yesterday"})
    assert bad_date.status_code == 400 and "w3" in bad_date.json()[0]["description"]


async def test_a_published_category_is_listed_from_every_channel_coarsely(tmp_path: Path) -> None:
    loaded = sample_town()
    cases = loaded.town.cases.model_copy(update={"open311": loaded.town.cases.open311.model_copy(update={
        "public_categories": ("roads",)})})
    town = dataclasses.replace(loaded, town=loaded.town.model_copy(update={"cases": cases}))
    async with make_hub(hub_settings(tmp_path, None), town) as hub, \
            httpx.AsyncClient(base_url=console_url(hub) + "open311/v2") as http:
        officer = await signed_in(hub, Role.officer)
        async with httpx.AsyncClient(base_url=console_url(hub), headers=officer) as centre:
            made = [(await centre.post("/api/cases", json={
                "requester": {"name": "李大爷", "phone": "13812341234"}, "category": category, "grid": "G19",
                "address": "石门村三组8号", "location": {"lon": LON, "lat": LAT},
                "matter": f"李大爷家门口{what}，电话13812341234"})).json()["case"]["id"]
                for category, what in (("roads", "路灯不亮"), ("disputes", "与邻居争地"))]
        road, dispute_id = made
        [shown] = (await http.get("/requests.json")).json()
        assert set(shown) == REQUEST_FIELDS and shown["service_request_id"] == str(road)
        assert shown["description"] == "道路交通" and shown["address"] == "石门村"  # the category, the village
        assert shown["lat"] is None and shown["long"] is None and shown["media_url"] is None
        assert shown["status"] == "open" and shown["status_notes"] == "已受理"
        assert "李" not in str(shown) and "1381" not in str(shown)  # nobody's name, words or number
        assert (await http.get(f"/requests/{road}.json")).json() == [shown]
        assert (await http.get(f"/requests/{dispute_id}.json")).status_code == 404
        by_id = (await http.get("/requests.json", params={"service_request_id": f"{road},{dispute_id}"})).json()
        assert [r["service_request_id"] for r in by_id] == [str(road)]
        assert (await http.get("/requests.json", params={"service_code": "disputes"})).json() == []
