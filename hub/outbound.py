"""What the MQTT edge offers edges without an MQTT client of their own (the video edge): the hub's broker.

They find it as `ctx.outbound` once the MQTT edge's publisher has started, and never import the MQTT package.
"""

from __future__ import annotations

from typing import Protocol


class Outbound(Protocol):
    """QoS 1 messages to other systems under `gridhub/…`; loop only."""

    def offer(self, topic: str, payload: bytes, retain: bool = False) -> bool:
        """Queue a message for the broker; False when the queue is full (counted and logged by the edge)."""
        ...
