"""The JSON document the webhook and MQTT channels send for one notification."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hub.alerts.notify import Notification


def utc_iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds")


def notification_body(n: Notification) -> dict[str, Any]:
    """Who is told what about which alert or case; times are UTC ISO-8601. *delivery_id* is the same in every
    copy of one delivery (retries, resumes after a restart): a receiver that saw it already drops the copy."""
    alert = n.alert
    if alert is None:
        return case_body(n)
    return {
        "delivery_id": n.delivery_id,
        "alert_id": alert.id,
        "seq": n.seq,
        "action": n.action.value,
        "rule": alert.rule,
        "source": alert.source,
        "severity": alert.severity.value,
        "state": alert.state.value,
        "level": n.level.value,
        "title": n.title,
        "text": n.text,
        "recipients": [{"name": r.name, "phone": r.phone} for r in n.recipients],
        "device": alert.device,
        "grid": alert.grid,
        "village": alert.village,
        "value": alert.value,
        "raised_at": utc_iso(alert.raised_at),
        "time": utc_iso(n.ts),
    }


def case_body(n: Notification) -> dict[str, Any]:
    """A case escalation step: the case's number, category and link instead of the alert's fields."""
    case = n.case
    assert case is not None, "a notification tells of an alert or a case"
    return {
        "delivery_id": n.delivery_id,
        "case_id": case.id,
        "case_number": case.number,
        "category": case.category,
        "step": case.step,
        "seq": n.seq,
        "action": n.action.value,
        "level": n.level.value,
        "title": n.title,
        "text": n.text,
        "recipients": [{"name": r.name, "phone": r.phone} for r in n.recipients],
        "grid": case.grid,
        "village": case.village,
        "link": case.link,
        "time": utc_iso(n.ts),
    }
