"""How alert messages put numbers and lines into words, so that what they say is what the rule saw."""

from __future__ import annotations

DECIMALS = 2  # a level in cm, a rise in cm/h, rainfall in 0.01 mm: more digits are noise to a reader
EXACT = 1e-9  # a reading equal to its line, whatever the float arithmetic left behind


def number(value: float) -> str:
    """A reading for people: at most two decimals, no trailing zeros (58.4, 0.51, 12)."""
    return f"{round(value, DECIMALS) + 0.0:g}"


def comparison(value: float, line: float, above: bool = True) -> str:
    """The verb before a line: 超过 or 低于 past it, 达到 on it (rules fire at ≥ or ≤), 接近 back inside it.

    A level is held until the value is the rule's hysteresis back past its line, so a repeat can carry a
    value just inside the line: that is 接近 (near), never 超过 (exceeding).
    """
    if abs(value - line) <= EXACT:
        return "达到"
    past = value > line if above else value < line
    if past:
        return "超过" if above else "低于"
    return "接近"


# Why a device went offline, as the health tracker and the edges record it (codes), in words for a message.
REASONS = {"no_frames": "视频无画面", "silent": "超时未上报", "never_seen": "从未上报", "last_will": "连接中断",
           "stream": "视频流中断", "message": "收到数据"}
# Camera zones are named in the town file by id; the usual ones read in Chinese, "all" is the whole picture.
ZONES = {"all": "", "riverbank": "河岸", "riverside": "河边", "school_gate": "校门口", "road": "道路",
         "bridge": "桥面", "gate": "大门", "square": "广场"}


def reason_name(reason: str) -> str:
    """A device event's reason code in Chinese; an unknown one as it is."""
    return REASONS.get(reason, reason)


def zone_name(zone: str) -> str:
    """A camera zone's id in Chinese ("" for the whole picture); an unknown one as it is."""
    return ZONES.get(zone, zone)
