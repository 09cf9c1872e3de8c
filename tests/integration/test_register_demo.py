"""The demo town's register: generated once in the background, at the seeds' scale, the same for the same seed."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import httpx
import pytest

from hub.app import Hub
from hub.register.crypto import KEY_FILE
from hub.register.sample import SAMPLE_TOWN_PEOPLE, sample_register
from hub.users.model import Principal, Role
from tests.support import console_url, hub_settings, make_hub, sample_town, signed_in, wait_for

pytestmark = pytest.mark.integration


def test_the_sample_is_at_the_seeds_scale_and_deterministic() -> None:
    town = sample_town().town
    one, two = sample_register(town), sample_register(town)
    assert one == two
    households = {p.household for p in one.people}
    assert len(one.people) == SAMPLE_TOWN_PEOPLE and 10_500 <= len(households) <= 11_500
    assert 5_300 <= len(one.houses) <= 5_900
    assert len({p.id_number for p in one.people}) == len(one.people)
    assert 0.1 < sum(h.commercial_selfbuilt for h in one.houses) / len(one.houses) < 0.25


async def test_the_demo_answers_at_once_and_loads_its_register_in_the_background(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    expected = sample_register(sample_town().town)
    settings = hub_settings(tmp_path, None, demo={"interval_s": 60}, register_key=None)

    def count(hub: Hub) -> int:
        assert hub.ctx.register is not None
        return hub.ctx.register.store.count_people(None)

    started = time.monotonic()
    async with make_hub(settings) as hub:  # stopped as soon as the first batch is in: the load is cut short
        assert time.monotonic() - started < 15
        assert (tmp_path / KEY_FILE).exists() and "demo register key" in caplog.text
        await wait_for(lambda: asyncio.to_thread(count, hub), timeout=60, what="the first people")
    async with make_hub(settings) as hub, httpx.AsyncClient(base_url=console_url(hub)) as http:
        async def loaded() -> bool:
            return await asyncio.to_thread(count, hub) == len(expected.people)

        await wait_for(loaded, timeout=120, what="the rest of the sample register")
        houses = await http.get("/api/register/houses", params={"commercial_selfbuilt": "true", "limit": 1000},
                                headers=await signed_in(hub, Role.officer))
        assert len(houses.json()) == sum(h.commercial_selfbuilt for h in expected.houses)
    async with make_hub(settings) as hub:  # a restart keeps the register and its key, and adds nothing
        await asyncio.sleep(0.5)
        assert count(hub) == len(expected.people)
        assert hub.ctx.register is not None
        found = hub.ctx.register.search(Principal("duty", "张伟", Role.officer), expected.people[0].id_number)
        assert [p.name for p in found] == [expected.people[0].name]  # the same key opens what it sealed
