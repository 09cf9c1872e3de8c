"""Camera events for other systems: `gridhub/cameras/<id>/<event>` as JSON, QoS 1, through the hub's broker.

The MQTT edge publishes them (`ctx.outbound`), queued and with a bounded number
in flight, so a burst (every camera going offline at once) loses none. While no
publisher runs, or its queue is full, an event is counted and logged, not kept:
it is in the hub's store and on its bus already.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import orjson

from hub.models import DeviceEvent
from hub.outbound import Outbound

log = logging.getLogger(__name__)
PREFIX = "gridhub/cameras"


def event_payload(event: DeviceEvent) -> bytes:
    """The documented JSON body of one camera event."""
    body: dict[str, object] = {"camera": event.device, "event": event.kind.value, "reason": event.reason,
                               "time": datetime.fromtimestamp(event.ts, UTC).isoformat(timespec="milliseconds")}
    return orjson.dumps(body | event.detail)


class CameraPublisher:
    """Hands camera events to the hub's outbound messages; loop only."""

    def __init__(self) -> None:
        self.dropped = 0

    def publish(self, outbound: Outbound | None, event: DeviceEvent) -> None:
        topic = f"{PREFIX}/{event.device}/{event.kind.value}"
        if outbound is not None and outbound.offer(topic, event_payload(event)):
            return
        self.dropped += 1
        if self.dropped == 1 or self.dropped % 1000 == 0:
            why = "no MQTT publisher runs" if outbound is None else "its queue is full"
            log.warning("cameras: %s not published, %s (%d so far)", topic, why, self.dropped)
