"""The built-in rules every town gets unless its `alerts.rules` replaces them by id."""

from __future__ import annotations

from hub.alerts.config import (
    CombinationRule,
    DeviceEventRule,
    Level,
    Match,
    NoDataRule,
    RainfallRule,
    Rule,
    ThresholdRule,
)
from hub.alerts.model import Severity
from hub.models import DeviceEventKind as K

RIVER = Match(kinds=("river_station",))
UPSTREAM_WATER = "upstream-water"
# Alerts no rule of the town raises, with their titles: the county's warning of water from upstream (上游来水).
OUTSIDE_RULES = {UPSTREAM_WATER: "上游来水"}

DEFAULT_RULES: tuple[Rule, ...] = (
    ThresholdRule(id="river-level", title="水位超警", match=RIVER, quantity="water_level",
                  levels=(Level(severity=Severity.ORANGE, at="warning_level"),
                          Level(severity=Severity.RED, at="guarantee_level")),
                  hysteresis=0.05, for_s=0, clear_for_s=600),
    ThresholdRule(id="river-rise", title="水位快速上涨", match=RIVER, quantity="water_level_rise",
                  levels=(Level(severity=Severity.YELLOW, at=0.3), Level(severity=Severity.ORANGE, at=0.5)),
                  hysteresis=0.05, clear_for_s=900),
    RainfallRule(id="rainfall", title="强降雨", match=Match(kinds=("rain_gauge", "river_station")),
                 hysteresis=2.0, clear_for_s=1800),
    NoDataRule(id="river-level-no-data", title="水位数据中断", match=RIVER, quantity="water_level",
               silent_s=1800, clear_for_s=0),
    DeviceEventRule(id="device-offline", title="设备离线", raise_on=(K.OFFLINE,), resolve_on=(K.ONLINE,),
                    severity=Severity.YELLOW, clear_for_s=0),
    DeviceEventRule(id="camera-tamper", title="摄像机遮挡或被移动", match=Match(kinds=("camera",)),
                    raise_on=(K.TAMPER,), resolve_on=(K.TAMPER_END,), severity=Severity.ORANGE, clear_for_s=0),
    DeviceEventRule(id="speaker-fault", title="广播终端故障", match=Match(kinds=("speaker",)),
                    raise_on=(K.FAULT,), resolve_on=(K.FAULT_CLEARED, K.ONLINE), severity=Severity.YELLOW,
                    clear_for_s=0),
    CombinationRule(id="flood-risk", title="流域洪水风险：水位上涨叠加强降雨", all_of=("river-rise", "rainfall"),
                    within="basin", severity=Severity.RED, clear_for_s=900),
)


def effective_rules(configured: tuple[Rule, ...], with_defaults: bool) -> tuple[Rule, ...]:
    """The defaults, each replaced by a configured rule of the same id, then the other configured rules."""
    if not with_defaults:
        return configured
    mine = {r.id: r for r in configured}
    merged = [mine.pop(r.id, r) for r in DEFAULT_RULES]
    return (*merged, *mine.values())
