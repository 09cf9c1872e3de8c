"""Janus's API messages as typed models: the envelope every message shares, and the plugin replies we read."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from hub.calls.model import Side


class Jsep(BaseModel):
    """A session description, as Janus and browsers exchange it."""

    type: Literal["offer", "answer"]
    sdp: str = Field(max_length=200_000)


class PluginData(BaseModel):
    plugin: str
    data: dict[str, Any] = Field(default_factory=dict)


class JanusErrorBody(BaseModel):
    code: int
    reason: str = ""


class Envelope(BaseModel):
    """One message from Janus: an answer to a transaction, or an event of a session or handle."""

    model_config = ConfigDict(extra="allow")  # Janus adds fields across versions; we read what we need

    janus: str
    transaction: str | None = None
    session_id: int | None = None
    sender: int | None = None
    data: dict[str, Any] = Field(default_factory=dict)  # "success" of create/attach: {"id": …}
    plugindata: PluginData | None = None
    jsep: Jsep | None = None
    error: JanusErrorBody | None = None

    @property
    def plugin_error(self) -> str | None:
        """A plugin's refusal (e.g. a wrong pin), which Janus sends as a successful message."""
        data = self.plugindata.data if self.plugindata else {}
        return f"{data.get('error_code')}: {data['error']}" if "error" in data else None


class Publisher(BaseModel):
    """A VideoRoom publisher as the plugin lists it."""

    model_config = ConfigDict(extra="ignore")

    id: int
    display: str = ""


class Display(BaseModel):
    """Who a publisher is, carried in its VideoRoom `display` so that every leg can label its tile."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    u: str  # username
    n: str = ""  # name
    s: Side = Side.VILLAGE
    v: str | None = None  # village id
    vn: str = ""  # village name


class SubscribedStream(BaseModel):
    """One m-line of a subscription: which publisher's which track it carries."""

    model_config = ConfigDict(extra="ignore")

    mid: str
    type: str
    active: bool = True
    feed_id: int | None = None
    feed_display: str | None = None
