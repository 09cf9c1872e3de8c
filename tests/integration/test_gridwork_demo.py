"""The demo town's self-built-house campaign: started once the sample register is in, partly worked, one major
hazard made a case, and not started again by a restart."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import httpx
import pytest

from hub.gridwork.demo import DEMO_CAMPAIGN
from hub.register.sample import sample_register
from hub.users.model import Role
from tests.support import console_url, hub_settings, make_hub, sample_town, signed_in, wait_for

pytestmark = pytest.mark.integration


async def test_the_demo_runs_a_campaign_in_progress_with_one_major_hazard_as_a_case(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    commercial = sum(h.commercial_selfbuilt for h in sample_register(sample_town().town).houses)
    settings = hub_settings(tmp_path, None, demo={"interval_s": 60}, register_key=None)
    started = time.monotonic()
    async with make_hub(settings) as hub, httpx.AsyncClient(base_url=console_url(hub)) as http:
        await wait_for(lambda: "demo visits" in caplog.text, timeout=240, what="the demo campaign and visits")
        ready = time.monotonic() - started
        officer = await signed_in(hub, Role.officer)
        [campaign] = (await http.get("/api/gridwork/campaigns", headers=officer)).json()
        assert (campaign["name"], campaign["houses"]) == (DEMO_CAMPAIGN, commercial)
        figures = (await http.get(f"/api/gridwork/campaigns/{campaign['id']}/progress", headers=officer)).json()
        town = figures["town"]
        assert town["total"] == commercial and 0.3 < town["inspected"] / commercial < 0.5
        assert town["major"] == 1 and 3 <= town["hazards"] <= 60 and 1 <= town["rectified"] < town["hazards"]
        majors = [t for t in (await http.get(f"/api/gridwork/campaigns/{campaign['id']}/houses",
                                             params={"state": "hazard"}, headers=officer)).json()
                  if t["worst"] == "major"]
        assert len(majors) == 1 and majors[0]["case_id"] is not None
        case = (await http.get(f"/api/cases/{majors[0]['case_id']}", headers=officer)).json()
        assert case["category"] == "self-built-housing" and case["urgent"]
        coverage = (await http.get("/api/gridwork/visits/coverage", headers=officer)).json()
        households = sum(c["households"] for c in coverage)
        visited = sum(c["month"] for c in coverage)
        assert len(coverage) == 43 and 0.07 < visited / households < 0.13
        photo = await http.get(f"/api/cases/{case['id']}/photos/{case['photos'][0]}", headers=officer)
        assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    caplog.clear()
    async with make_hub(settings) as hub, httpx.AsyncClient(base_url=console_url(hub)) as http:
        officer = await signed_in(hub, Role.officer)
        await wait_for(lambda: "demo visits" in caplog.text, timeout=60, what="the demo's check")
        again = (await http.get(f"/api/gridwork/campaigns/{campaign['id']}/progress", headers=officer)).json()
        assert again["town"] == town
        assert len((await http.get("/api/gridwork/campaigns", headers=officer)).json()) == 1
        assert "demo visits: 0 logged" in caplog.text
    print(f"demo campaign and visits ready {ready:.1f} s after the hub's start: {town}; visited {visited} of "
          f"{households} households")
