"""What a call writes into the history of the alert it is about: opened, villages added, camera, ended."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from hub.calls.model import Call, CallAction, CallEntry, Participant, Side

TITLE = "视频调度"


def note(call: Call, entry: CallEntry, villages: Mapping[str, str], tz: str) -> str | None:
    """The alert note for *entry*, or None for entries the alert's history does not need (joins, mutes)."""
    head = f"{TITLE} #{call.id}"
    names = "、".join(villages.get(v, v) for v in entry.note.split("、") if v)
    if entry.action is CallAction.OPEN:
        return f"{head}「{call.title}」开始" + (f"，邀请{names}" if names else "")
    if entry.action is CallAction.INVITE:
        return f"{head} 追加邀请{names}"
    if entry.action is CallAction.SHARE:
        return f"{head} 共享摄像头 {entry.note}"
    if entry.action is CallAction.END:
        return f"{head} 结束，历时 {_minutes(entry.ts - call.opened_at)}；参加：{_who(call, villages, tz)}"
    return None


def _who(call: Call, villages: Mapping[str, str], tz: str) -> str:
    if not call.participants:
        return "无"
    return "，".join(_one(p, villages, tz, call.ended_at or p.joined_at) for p in call.participants)


def _one(p: Participant, villages: Mapping[str, str], tz: str, end: float) -> str:
    where = "中心" if p.side is Side.CENTRE else villages.get(p.village or "", p.village or "")
    again = f"，进出 {p.joins} 次" if p.joins > 1 else ""
    return (f"{p.name}（{where}）{_clock(p.first_joined_at, tz)}–{_clock(p.left_at or end, tz)}"
            f"，在线 {_minutes(p.seconds_in(end))}{again}")


def _clock(ts: float, tz: str) -> str:
    return datetime.fromtimestamp(ts, ZoneInfo(tz)).strftime("%H:%M")


def _minutes(seconds: float) -> str:
    return f"{max(1, round(seconds / 60))} 分钟" if seconds >= 30 else f"{round(seconds)} 秒"
