"""SL 651 frames bridged to MQTT by a gateway reach the hub's store through a real broker."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.sl651_support import hex_body, hex_frame
from tests.support import Publisher, hub_settings, make_hub, wait_for

pytestmark = pytest.mark.integration
RS04 = "0043049904"


async def test_a_gateway_publishes_sl651_frames_and_the_hub_stores_their_readings(tmp_path: Path) -> None:
    settings = hub_settings(tmp_path, None)
    async with make_hub(settings) as hub:
        now = datetime.now(ZoneInfo(hub.ctx.town.town.timezone))
        body = hex_body("39 23 00 05 25 00 38 12 12 60", station=RS04, category="H", sent=f"{now:%y%m%d%H%M%S}",
                        observed=f"{now:%y%m%d%H%M}")
        gateway = await Publisher.open(settings.embedded_port, "sl651-gateway")
        gateway.publish(f"sl651/{RS04}/up", hex_frame(body, station=RS04))
        await gateway.aclose()

        def stored() -> dict[str, float]:
            return {r.quantity: r.value for r in hub.ctx.store.latest("RS04")}

        await wait_for(lambda: stored() == {"water_level": 52.5, "battery_voltage": 12.6}, what="the bridged report")
        assert hub.ctx.dead_letters.total() == 0
