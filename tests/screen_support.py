"""Helpers for the big screen's tests: a basin-wide alert raised from real station reports."""

from __future__ import annotations

import json
import time

from hub.alerts.model import Alert
from hub.app import Hub
from hub.town import Town
from tests.support import Publisher, wait_for

BASIN = "清溪河"  # every river station and rain gauge of the sample town is on it


async def raise_flood_risk(hub: Hub, broker_port: int) -> Alert:
    """RS01 rising 0.9 m/h over 40 minutes (well under its warning level) with 40 mm of rain in the last hour:
    river-rise and rainfall open together, so the basin's flood-risk alert follows."""
    topic = hub.ctx.town.device_map()["RS01"].topic
    assert topic is not None
    publisher = await Publisher.open(broker_port, "rs01-flood")
    now = time.time()
    for ago, level in ((2400, 55.0), (1200, 55.3), (0, 55.6)):
        body: dict[str, float] = {"ts": int((now - ago) * 1000), "wl": round(level * 100)}
        publisher.publish(topic, json.dumps(body | ({"rain": 40.0} if ago == 0 else {})))
    await publisher.aclose()
    await wait_for(lambda: any(a.rule == "flood-risk" for a in hub.ctx.alerts.book.open_alerts()),
                   what="the flood-risk alert")
    return next(a for a in hub.ctx.alerts.book.open_alerts() if a.rule == "flood-risk")


def basin_grids(town: Town, basin: str = BASIN) -> set[str]:
    """Every grid of every village that has a device on *basin*."""
    villages = {v.id for v in town.villages for g in v.grids
                if any(d.basin == basin and d.grid == g.id for d in town.devices)}
    return {g.id for v in town.villages if v.id in villages for g in v.grids}
