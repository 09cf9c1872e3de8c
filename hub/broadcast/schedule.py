"""Daily schedules in the town's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo


def next_daily(hh_mm: str, timezone: str, after: float) -> float:
    """The first HH:MM town time strictly after *after* (UTC epoch seconds)."""
    zone = ZoneInfo(timezone)
    hour, minute = (int(x) for x in hh_mm.split(":"))
    local = datetime.fromtimestamp(after, UTC).astimezone(zone)
    candidate = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    while candidate.timestamp() <= after:
        # Add calendar days, not 24 h, so a clock change keeps the wall time.
        day = (candidate + timedelta(days=1)).date()
        candidate = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
    return candidate.timestamp()
