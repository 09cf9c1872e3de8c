"""The town file's `gridwork.notices`: notice templates, the WeChat Work robot service, and its pace.

A robot's key is a secret: it may be written here per grid, but a town should rather give it in the environment
(`GRIDHUB_ROBOT_KEYS`, hub/settings.py), which wins over the file.
"""

from __future__ import annotations

import string
from typing import Annotated, Literal, Self

from pydantic import AnyHttpUrl, Field, SecretStr, StringConstraints, model_validator

from hub.config_base import Strict
from hub.gridwork.base import ItemId, Label

WECOM_SEND = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"
RobotKey = Annotated[SecretStr, Field(min_length=8, max_length=100)]
Body = Annotated[str, StringConstraints(min_length=1, max_length=3000)]


def placeholders(text: str) -> list[str]:
    """The `{field}` names in *text*, in order; a `{}` or `{0}` or `{a.b}` is refused."""
    names = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    if bad := [n for n in names if not n.isidentifier()]:
        raise ValueError(f"placeholders are field ids in braces, not {bad}")
    return names


class NoticeTemplate(Strict):
    """A notice as the centre fills it in: its text with `{field}` placeholders, and each field's label."""

    name: Label = Field(description="shown in the template chooser, e.g. 天气预警")
    msgtype: Literal["markdown", "text"] = Field(default="markdown", description="the robot's message type")
    fields: dict[ItemId, Label] = Field(default_factory=dict, max_length=12, description="field id → its label")
    text: Body = Field(description="the message, with {field} where each field's value goes")

    @model_validator(mode="after")
    def _fields_match(self) -> Self:
        used = set(placeholders(self.text))
        if unknown := sorted(used - set(self.fields)):
            raise ValueError(f"text uses fields {unknown} that `fields` does not name")
        if unused := sorted(set(self.fields) - used):
            raise ValueError(f"fields {unused} are not in the text")
        return self


DEFAULT_TEMPLATES = {
    "weather": NoticeTemplate(
        name="天气预警", fields={"kind": "预警类型", "level": "预警等级", "period": "影响时段", "advice": "防范要求"},
        text="## 【{level}预警】{kind}\n> 影响时段：{period}\n> 防范要求：{advice}\n\n"
             "请各网格员立即转告到户，提醒群众做好防范，危险区域人员及时转移。"),
    "policy": NoticeTemplate(
        name="政策宣传", fields={"title": "标题", "content": "内容"}, text="## {title}\n{content}"),
    "inspection": NoticeTemplate(
        name="排查通知", fields={"campaign": "排查名称", "scope": "排查范围", "due": "完成时限", "contact": "联系人"},
        text="## 【排查通知】{campaign}\n> 排查范围：{scope}\n> 完成时限：{due}\n> 联系人：{contact}\n\n"
             "请网格员按时逐户排查，结果在手机“网格工作”中上报。"),
}


class RobotPace(Strict):
    """How many messages a robot takes in a window: WeChat Work allows 20 a minute."""

    messages: int = Field(default=20, ge=1, le=20, description="messages per robot per window")
    window_s: float = Field(default=60.0, ge=1, le=3600, description="the window, in seconds")


class NoticesConfig(Strict):
    robot_url: AnyHttpUrl = Field(default=AnyHttpUrl(WECOM_SEND), description="the robot service's send address; "
                                  "each grid's key is added as ?key=")
    robots: dict[str, RobotKey] = Field(default_factory=dict, description="grid id → its WeChat group robot's key "
                                        "(better in GRIDHUB_ROBOT_KEYS, which wins)")
    templates: dict[ItemId, NoticeTemplate] = Field(default_factory=lambda: dict(DEFAULT_TEMPLATES),
                                                    min_length=1, description="notice templates by key")
    pace: RobotPace = Field(default=RobotPace(), description="the robot's rate limit, kept by the hub")
    retry_first_s: float = Field(default=2.0, ge=0.05, le=60, description="first wait after a failed send; "
                                 "doubled each time up to 300 s")
    attempts: int = Field(default=8, ge=1, le=20, description="sends of one delivery before it is given up")
    timeout_s: float = Field(default=10.0, gt=0, le=120, description="for one request to the robot")
