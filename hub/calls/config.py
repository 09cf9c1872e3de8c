"""What a town may tune about calls, and what opening a call asks for."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from hub.config_base import Strict


class CallsConfig(Strict):
    """Limits of calls; the defaults suit a township's LAN and a two-core hub."""

    village_tiles: int = Field(default=4, ge=0, le=16,
                               description="besides the centre, how many other villages a village sees at once: "
                                           "those who spoke last")
    max_participants: int = Field(default=24, ge=2, le=64, description="accounts in one call at once")
    video_kbps: int = Field(default=600, ge=64, le=4000, description="most a participant's camera may send")


class CallCreate(BaseModel):
    """The duty officer opens a call: alone, or about an alert (its village and camera by default)."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, max_length=80, description="default: the alert's title, or 视频调度")
    villages: list[str] = Field(default_factory=list, max_length=64,
                                description="villages invited; default: the alert's village")
    alert_id: int | None = Field(default=None, ge=1, le=2**63 - 1,  # a BIGINT: larger ones fail in the store
                                 description="the alert this call is about; its history records the call")
    camera: str | None = Field(default=None,
                               description="camera shared into the call; default: the alert's, if a camera")
    nearest_camera: bool = Field(default=False,
                                 description="no camera named and the alert's device not one that can be shared: "
                                             "share the nearest that can, in the alert's grid, else its village")
