"""Helpers for the big screen's tests: basin- and town-wide alerts raised from real station reports."""

from __future__ import annotations

import dataclasses
import json
import time

from hub.alerts.config import CombinationRule
from hub.alerts.model import Alert, Severity
from hub.app import Hub
from hub.town import Town
from hub.townfile import LoadedTown
from tests.support import Publisher, sample_town, wait_for

BASIN = "清溪河"  # every river station and rain gauge of the sample town is on it
TOWN_FLOOD = CombinationRule(id="town-flood", title="全镇汛情：水位上涨叠加强降雨", all_of=("river-rise", "rainfall"),
                             within="town", severity=Severity.ORANGE)
OFF_BASIN = "fenglin"  # a village the basin does not run through


def town_with_town_wide_rule() -> LoadedTown:
    """The sample town with a town-wide combination (within: town) of the flood-risk's two rules."""
    loaded = sample_town()
    alerts = loaded.town.alerts.model_copy(update={"rules": (*loaded.town.alerts.rules, TOWN_FLOOD)})
    return dataclasses.replace(loaded, town=loaded.town.model_copy(update={"alerts": alerts}))


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
    return await open_alert(hub, "flood-risk")


async def open_alert(hub: Hub, rule: str, device: str | None = None) -> Alert:
    """The open alert of *rule* (about *device*, if named), once there is one and it is stored."""
    def found() -> Alert | None:
        return next((a for a in hub.ctx.alerts.book.open_alerts()
                     if a.rule == rule and device in (None, a.device)), None)
    await wait_for(lambda: found() is not None, what=f"the {rule} alert")
    await wait_for(lambda: hub.ctx.alerts.writer.backlog() == 0, what="alerts stored")
    alert = found()
    assert alert is not None
    return alert


def basin_grids(town: Town, basin: str = BASIN) -> set[str]:
    """Every grid of every village that has a device on *basin*."""
    villages = {v.id for v in town.villages for g in v.grids
                if any(d.basin == basin and d.grid == g.id for d in town.devices)}
    return {g.id for v in town.villages if v.id in villages for g in v.grids}
