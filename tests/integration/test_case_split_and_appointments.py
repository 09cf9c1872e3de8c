"""Over real HTTP: a wrong merge split again, with both trails; appointments booked for a case, listed with it and
cancelled with a reason that its trail keeps."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.case_api_support import Centre, open_centre

pytestmark = pytest.mark.integration


@pytest.fixture
async def centre(tmp_path: Path) -> AsyncIterator[Centre]:
    async with open_centre(tmp_path) as opened:
        yield opened


async def actions(centre: Centre, case_id: int) -> list[str]:
    return [e["action"] for e in (await centre.get(f"/api/cases/{case_id}", centre.officer)).json()["trail"]]


async def test_a_wrong_merge_is_split_with_a_reason(centre: Centre) -> None:
    first, second = await centre.case(), await centre.case(source="visit", accept=False)
    await centre.post(f"/api/cases/{second}/merge", centre.officer, into=first, reason="同一事项")
    split = f"/api/cases/{second}/split"
    assert (await centre.post(split, centre.officer)).status_code == 422  # no reason
    assert (await centre.post(split, centre.shimen, reason="不是同一事项")).status_code == 403  # the centre's step
    back = await centre.post(split, centre.officer, reason="两户反映的是不同通道")
    assert back.status_code == 200, back.text
    assert back.json()["state"] == "received" and back.json()["merged_into"] is None  # as it was when merged
    assert (await centre.get(f"/api/cases/{first}", centre.officer)).json()["merged"] == []
    assert await actions(centre, second) == ["receive", "merge", "split"]
    assert await actions(centre, first) == ["receive", "accept", "absorb", "split_off"]
    trail = (await centre.get(f"/api/cases/{first}", centre.officer)).json()["trail"]
    assert trail[-1]["note"] == "两户反映的是不同通道" and trail[-1]["detail"] == {"case": str(second)}
    again = await centre.post(split, centre.officer, reason="再拆一次")
    assert again.status_code == 409 and "is not merged into another" in again.json()["detail"]
    assert second in [c["id"] for c in (await centre.get("/api/cases", centre.officer, state="open")).json()]


async def test_an_appointment_for_a_case_is_cancelled_with_a_reason(centre: Centre) -> None:
    case_id = await centre.case()
    booked = await centre.post("/api/appointments", centre.officer, resource="judge",
                               start="2026-03-11T10:00:00+08:00", minutes=60, name="王秀英", phone="13812341234",
                               purpose="法官释法", case_id=case_id)
    assert booked.status_code == 201, booked.text
    appointment = booked.json()["id"]
    listed = (await centre.get(f"/api/cases/{case_id}/appointments", centre.shimen)).json()
    assert [a["id"] for a in listed] == [appointment] and listed[0]["phone"] == "138****1234"
    assert (await centre.get(f"/api/cases/{case_id}/appointments", centre.liuwan)).status_code == 403
    cancel = f"/api/appointments/{appointment}/cancel"
    assert (await centre.post(cancel, centre.officer)).status_code == 422  # no reason
    assert (await centre.post(cancel, centre.shimen, reason="当事人有事")).status_code == 403
    done = await centre.post(cancel, centre.officer, reason="当事人外出，改期另约")
    assert done.status_code == 200, done.text
    assert done.json()["cancelled"] and done.json()["cancel_reason"] == "当事人外出，改期另约"
    assert done.json()["cancelled_by"].endswith("(officer)")
    trail = (await centre.get(f"/api/cases/{case_id}", centre.officer)).json()["trail"]
    assert [e["action"] for e in trail][-2:] == ["appointment", "appointment_cancel"]
    assert trail[-2]["note"] == "预约驻站法官 罗建平：03月11日 10:00–11:00，法官释法"
    assert trail[-1]["note"] == "取消预约驻站法官 罗建平（03月11日 10:00–11:00）：当事人外出，改期另约"
    assert trail[-1]["detail"] == {"appointment": str(appointment)}
    assert (await centre.post(cancel, centre.officer, reason="再取消")).status_code == 409
    free = (await centre.get("/api/appointments/free", centre.officer, date="2026-03-11")).json()
    assert "2026-03-11T02:00:00Z" in free["judge"]  # the slot is free again
    listed = (await centre.get(f"/api/cases/{case_id}/appointments", centre.officer)).json()
    assert listed[0]["cancelled"]


async def test_an_appointment_without_a_case_is_cancelled_too(centre: Centre) -> None:
    booked = await centre.post("/api/appointments", centre.officer, resource="mediation-2",
                               start="2026-03-10T15:00:00+08:00", minutes=30, name="李四", purpose="咨询")
    done = await centre.post(f"/api/appointments/{booked.json()['id']}/cancel", centre.officer, reason="不来了")
    assert done.status_code == 200 and done.json()["cancelled"]
    assert (await centre.post("/api/appointments/99/cancel", centre.officer, reason="x")).status_code == 404
