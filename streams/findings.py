"""What analysis tells the hub: a camera's motion or tamper started or ended."""

from __future__ import annotations

from dataclasses import dataclass, field

from hub.models import DeviceEventKind


@dataclass(frozen=True, slots=True)
class Finding:
    """One change seen in a camera's picture, before it becomes a DeviceEvent."""

    kind: DeviceEventKind  # MOTION, MOTION_END, TAMPER or TAMPER_END
    detail: dict[str, object] = field(default_factory=dict)  # zone and area, or what (covered …)
