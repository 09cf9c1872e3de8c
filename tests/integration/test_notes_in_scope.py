"""Numbers typed into the centre's and the patrols' notes: whole for the centre, masked for a village cadre.

A dispatch's instructions, a patrol's note from the scene, an alert's history and a call's title cross from
the centre or a team to the cadre of the alert's village: every route and feed the cadre reads them on masks
a phone number as the case records do (hub/privacy.py).
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import httpx
import pytest
import websockets

from hub.users.model import Role
from tests.integration.test_dispatch import phone, raise_alert, settings, take
from tests.support import Mosquitto, console_url, make_hub, signed_in

pytestmark = [pytest.mark.integration, pytest.mark.timeout(90)]
MOBILE, MOBILE_MASKED = "13912345678", "139****5678"
LANDLINE, LANDLINE_MASKED = "0731-2345678", "0731-***5678"


async def feed(url: str, token: str) -> str:
    """What a live feed sends on opening (until it has been quiet for a second), as one text."""
    seen: list[str] = []
    async with websockets.connect(url, additional_headers={"Authorization": f"Bearer {token}"}) as ws:
        with contextlib.suppress(TimeoutError):
            while True:
                seen.append(str(await asyncio.wait_for(ws.recv(), 1 if seen else 10)))
    return "\n".join(seen)


async def test_a_cadre_reads_the_notes_of_their_village_with_numbers_masked(tmp_path: Path,
                                                                            own_broker: Mosquitto) -> None:
    async with make_hub(settings(tmp_path, own_broker)) as hub, httpx.AsyncClient(base_url=console_url(hub)) as http:
        officer, cadre = await signed_in(hub), await signed_in(hub, Role.cadre, "shimen")
        alert_id = await raise_alert(hub, own_broker)
        made = await http.post("/api/dispatches", headers=officer, json={
            "alert_id": alert_id, "teams": ["T01"], "instructions": f"先联系报警人{MOBILE}"})
        job = made.json()[0]["id"]
        http.headers.update(officer)
        t01 = await phone(http, "T01.1")
        assert (await take(http, t01, job, "k-ack-0001", "acknowledge", note=f"户主电话{MOBILE}")).status_code == 200
        resolved = await http.post(f"/api/alerts/{alert_id}/resolve", json={"note": f"已转水利站 {LANDLINE}"})
        assert resolved.status_code == 200
        call = await http.post("/api/calls", json={"alert_id": alert_id, "title": f"回拨{MOBILE}"})
        assert call.status_code == 201, call.text
        ws = console_url(hub).replace("http://", "ws://")
        reads = {"dispatches": f"/api/dispatches?alert_id={alert_id}", "dispatch": f"/api/dispatches/{job}",
                 "alert": f"/api/alerts/{alert_id}", "calls": "/api/calls", "call": f"/api/calls/{call.json()['id']}"}
        http.headers.pop("Authorization")
        for reader, whole in ((officer, True), (cadre, False)):
            token = reader["Authorization"][7:]
            texts = {name: (await http.get(path, headers=reader)).text for name, path in reads.items()}
            texts["/ws/alerts"] = await feed(f"{ws}ws/alerts?since=0", token)
            texts["/ws/calls"] = await feed(f"{ws}ws/calls", token)
            for name, text in texts.items():
                assert (MOBILE in text, LANDLINE in text) != (False, False) if whole else \
                    MOBILE not in text and LANDLINE not in text, (whole, name, text)
            if not whole:
                assert MOBILE_MASKED in texts["dispatch"] and LANDLINE_MASKED in texts["alert"]
        phone_jobs = (await http.get("/api/phone/me", headers=t01)).text
        assert MOBILE in phone_jobs  # the team sent to the scene reads its instructions whole, to call back
