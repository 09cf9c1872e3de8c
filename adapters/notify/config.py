"""What each channel's entry under `alerts.notifiers` may say.

Kept apart from the channels so that validating a town file imports pydantic
only, not httpx or gmqtt.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AnyHttpUrl, Field, model_validator

from hub.alerts.notify import NotifierConfig


class WecomConfig(NotifierConfig):
    """A WeChat Work (企业微信) group robot per grid, and a default one."""

    type: Literal["wecom"] = "wecom"
    url: AnyHttpUrl | None = Field(
        default=None, description="default robot: https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…")
    grid_urls: dict[str, AnyHttpUrl] = Field(
        default_factory=dict, description="grid id → the robot of that grid's WeChat group")
    msgtype: Literal["markdown", "text"] = Field(
        default="markdown", description="markdown reads better; text can @ the recipients by phone")
    mention: bool = Field(default=True, description="text only: @ the recipients (mentioned_mobile_list)")
    timeout_s: float = Field(default=10.0, gt=0, le=120, description="for the whole request")

    @model_validator(mode="after")
    def _some_robot(self) -> WecomConfig:
        if self.url is None and not self.grid_urls:
            raise ValueError("give a default robot `url`, `grid_urls`, or both")
        return self


class WebhookConfig(NotifierConfig):
    """Any HTTP endpoint that takes the notification as JSON (SMS gateways, other systems)."""

    type: Literal["webhook"] = "webhook"
    url: AnyHttpUrl = Field(description="where the JSON body goes")
    method: Literal["POST", "PUT"] = "POST"
    headers: dict[str, str] = Field(default_factory=dict, description="e.g. Authorization: Bearer …")
    timeout_s: float = Field(default=10.0, gt=0, le=120, description="for the whole request")


class MqttNotifierConfig(NotifierConfig):
    """Each notification as JSON on the hub's broker, for other systems and other hub processes."""

    type: Literal["mqtt"] = "mqtt"
    topic_prefix: str = Field(default="gridhub/alerts", min_length=1, pattern=r"^[^#+]*[^#+/]$",
                              description="topics are <prefix>/<alert id>/<action>; no wildcards")
    ack_timeout_s: float = Field(default=10.0, gt=0, le=120, description="longest wait for the broker's PUBACK")
