"""Notification channels as pure logic: payloads, truncation, masking, routing, configuration."""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from adapters.notify.body import notification_body
from adapters.notify.config import MqttNotifierConfig, WebhookConfig, WecomConfig
from adapters.notify.httpjson import mask_url
from adapters.notify.mqtt import topic_for
from adapters.notify.wecom import MARKDOWN_LIMIT, TEXT_LIMIT, WecomNotifier, robot_message, truncate_utf8
from hub.alerts.model import Action
from hub.alerts.notify import ChainLevel
from hub.registry import Registry
from tests.notify_support import notification, river_alert

ROBOT = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
G19_ROBOT = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=0f1e2d3c-aaaa-bbbb-cccc-1234567890ab"


def test_truncation_keeps_whole_characters_within_the_byte_limit() -> None:
    text = "水位超警戒" * 1000  # 3 bytes a character
    for limit in (TEXT_LIMIT, MARKDOWN_LIMIT, 10, 11, 12):
        cut = truncate_utf8(text, limit)
        assert len(cut.encode()) <= limit
        assert cut.endswith("…") and text.startswith(cut[:-1])
        assert len(cut.encode()) > limit - 3 - 3  # no more than one character lost to the boundary


def test_short_text_and_text_of_exactly_the_limit_are_kept() -> None:
    assert truncate_utf8("水位 58.32 m", 2048) == "水位 58.32 m"
    exact = "a" * 2045 + "水"
    assert truncate_utf8(exact, 2048) == exact
    assert truncate_utf8(exact + "b", 2048) == "a" * 2045 + "…"


def test_markdown_message_is_the_rendered_markdown() -> None:
    n = notification()
    assert robot_message(n, "markdown", mention=True) == {"msgtype": "markdown", "markdown": {"content": n.markdown}}


def test_text_message_mentions_each_recipient_once_by_phone() -> None:
    n = notification()
    n = replace(n, recipients=n.recipients + n.recipients[:1])
    message = robot_message(n, "text", mention=True)
    assert message == {"msgtype": "text", "text": {"content": n.text,
                                                   "mentioned_mobile_list": ["18207342575", "18207348141"]}}
    assert "mentioned_mobile_list" not in robot_message(n, "text", mention=False)["text"]


def test_long_content_is_cut_to_the_robot_limits() -> None:
    n = notification(text="雨" * 3000, markdown="雨" * 3000)
    assert len(robot_message(n, "markdown", True)["markdown"]["content"].encode()) <= MARKDOWN_LIMIT
    assert len(robot_message(n, "text", True)["text"]["content"].encode()) <= TEXT_LIMIT


def test_robot_keys_and_tokens_are_masked() -> None:
    assert mask_url(ROBOT) == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a…"
    assert mask_url("https://sms:secret@gw.example.cn:8443/send?token=abcdef&x=1") == \
           "https://sms@gw.example.cn:8443/send?token=abcd…&x=…"


def wecom(**extra: object) -> WecomNotifier:
    return WecomNotifier(WecomConfig.model_validate({"type": "wecom", "name": "grid-groups", **extra}))


async def test_notifications_go_to_their_grid_robot_else_the_default() -> None:
    both = wecom(url=ROBOT, grid_urls={"G19": G19_ROBOT})
    assert both.robot(notification()) == G19_ROBOT
    assert both.robot(notification(river_alert(grid="G20"))) == ROBOT
    assert both.robot(notification(river_alert(grid=None))) == ROBOT
    assert both.target(notification()) == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=0f1e…"
    grids_only = wecom(grid_urls={"G19": G19_ROBOT})
    assert grids_only.accepts(notification())
    assert not grids_only.accepts(notification(river_alert(grid="G20")))
    assert not grids_only.accepts(notification(river_alert(grid=None)))
    await both.aclose()
    await grids_only.aclose()


async def test_levels_and_actions_filter_what_a_robot_carries() -> None:
    notifier = wecom(url=ROBOT, levels=["grid_worker"], actions=["raise"])
    assert notifier.accepts(notification())
    assert not notifier.accepts(notification(level=ChainLevel.DUTY_OFFICER))
    assert not notifier.accepts(notification(action=Action.UPDATE))
    await notifier.aclose()


@pytest.mark.parametrize(("entry", "wrong"), [
    ({"type": "wecom", "name": "w"}, "give a default robot"),
    ({"type": "wecom", "name": "w", "url": ROBOT, "msgtyp": "text"}, "msgtyp"),
    ({"type": "wecom", "name": "w", "url": ROBOT, "msgtype": "news"}, "msgtype"),
    ({"type": "webhook", "name": "sms", "url": "not a url"}, "url"),
    ({"type": "webhook", "name": "sms", "url": "https://gw.example.cn/send", "method": "GET"}, "method"),
    ({"type": "mqtt", "name": "bus", "topic_prefix": "gridhub/#"}, "topic_prefix"),
    ({"type": "mqtt", "name": "bus", "topic_prefix": "gridhub/alerts/"}, "topic_prefix"),
])
def test_configuration_mistakes_are_errors(entry: dict[str, object], wrong: str) -> None:
    model = {"wecom": WecomConfig, "webhook": WebhookConfig, "mqtt": MqttNotifierConfig}[str(entry["type"])]
    with pytest.raises(ValidationError, match=wrong):
        model.model_validate(entry)


def test_body_carries_the_alert_the_people_and_utc_times() -> None:
    body = notification_body(dataclasses.replace(notification(), seq=41))
    assert body == {
        "delivery_id": "", "alert_id": 17, "seq": 41, "action": "raise", "rule": "river-warning-level",
        "source": "RS01",
        "severity": "orange", "state": "raised", "level": "grid_worker",
        "title": "【橙色预警】清溪河石门水位站 水位超警戒", "text": notification().text,
        "recipients": [{"name": "谭芳", "phone": "18207342575"}, {"name": "张清", "phone": "18207348141"}],
        "device": "RS01", "grid": "G19", "village": "shimen", "value": 58.32,
        "raised_at": "2026-11-22T08:00:00.000+00:00", "time": "2026-11-22T08:10:00.000+00:00",
    }


def test_mqtt_topic_names_the_alert_and_the_action() -> None:
    assert topic_for(notification(action=Action.ESCALATE), "gridhub/alerts") == "gridhub/alerts/17/escalate"


def test_the_three_channels_are_registered() -> None:
    types = Registry.discover().notifier_types()
    assert {name: t.config for name, t in types.items() if name in ("wecom", "webhook", "mqtt")} == \
           {"wecom": WecomConfig, "webhook": WebhookConfig, "mqtt": MqttNotifierConfig}


def test_the_readme_example_is_valid() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    channels = readme.split("## Alert notification channels", 1)[1]
    block = channels.split("```yaml\nalerts:\n", 1)[1].split("```", 1)[0]
    entries = yaml.safe_load("alerts:\n" + block)["alerts"]["notifiers"]
    types = Registry.discover().notifier_types()
    assert [types[e["type"]].config.model_validate(e).name for e in entries] == ["grid-groups", "sms-gateway", "bus"]
