"""WeChat Work robot and webhook channels against a real HTTP server: what is sent, what is retried."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from adapters.notify.config import WebhookConfig, WecomConfig
from adapters.notify.webhook import WebhookNotifier
from adapters.notify.wecom import WecomNotifier
from hub.alerts.notify import DeliveryError
from tests.notify_support import HttpReceiver, Reply, notification, river_alert
from tests.support import free_port

pytestmark = pytest.mark.integration
KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"


@pytest.fixture
async def receiver() -> AsyncIterator[HttpReceiver]:
    async with HttpReceiver() as server:
        yield server


@pytest.fixture
async def robot(receiver: HttpReceiver) -> AsyncIterator[WecomNotifier]:
    notifier = WecomNotifier(WecomConfig.model_validate({
        "type": "wecom", "name": "grid-groups", "msgtype": "text", "timeout_s": 0.5,
        "url": receiver.url(f"/cgi-bin/webhook/send?key={KEY}"),
        "grid_urls": {"G19": receiver.url("/cgi-bin/webhook/send?key=g19")}}))
    yield notifier
    await notifier.aclose()


@pytest.fixture
async def webhook(receiver: HttpReceiver) -> AsyncIterator[WebhookNotifier]:
    notifier = WebhookNotifier(WebhookConfig.model_validate({
        "type": "webhook", "name": "sms-gateway", "url": receiver.url("/sms/send"),
        "headers": {"Authorization": "Bearer s3cret-token"}, "timeout_s": 0.5}))
    yield notifier
    await notifier.aclose()


async def failure(notifier: WecomNotifier | WebhookNotifier) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        await notifier.send(notification())
    return caught.value


async def test_robot_gets_text_that_mentions_the_recipients(receiver: HttpReceiver, robot: WecomNotifier) -> None:
    await robot.send(notification())
    await robot.send(notification(river_alert(grid="G07")))
    first, second = receiver.received
    assert (first.method, first.path, second.path) == \
           ("POST", "/cgi-bin/webhook/send?key=g19", f"/cgi-bin/webhook/send?key={KEY}")
    assert first.headers["content-type"] == "application/json"
    assert first.json() == {"msgtype": "text", "text": {"content": notification().text,
                                                        "mentioned_mobile_list": ["18207342575", "18207348141"]}}


async def test_robot_rate_limit_and_busy_are_retryable(receiver: HttpReceiver, robot: WecomNotifier) -> None:
    receiver.fail_next(Reply(body={"errcode": 45009, "errmsg": "api freq out of limit"}),
                       Reply(body={"errcode": -1, "errmsg": "system busy"}))
    limited, busy = await failure(robot), await failure(robot)
    assert (limited.retryable, limited.reason) == (True, "errcode 45009: api freq out of limit")
    assert (busy.retryable, busy.reason) == (True, "errcode -1: system busy")
    await robot.send(notification())
    assert len(receiver.received) == 3


async def test_robot_refusals_are_final_with_its_message(receiver: HttpReceiver, robot: WecomNotifier) -> None:
    errmsg = "invalid webhook url, hint: [1755605200056773468916791], more info at https://open.work.weixin.qq.com"
    receiver.fail_next(Reply(body={"errcode": 93000, "errmsg": errmsg}), Reply(raw=b"<html>portal</html>"))
    invalid, portal = await failure(robot), await failure(robot)
    assert (invalid.retryable, invalid.reason) == (False, f"errcode 93000: {errmsg}")
    assert not portal.retryable and "not a robot's reply" in portal.reason


async def test_robot_http_failures(receiver: HttpReceiver, robot: WecomNotifier) -> None:
    receiver.fail_next(Reply(500, {"error": "upstream"}), Reply(502, None), Reply(400, {"error": "bad"}),
                       Reply(delay_s=2))
    results = [await failure(robot) for _ in range(4)]
    assert [e.retryable for e in results] == [True, True, False, True]
    assert results[0].reason.startswith("HTTP 500") and results[2].reason.startswith("HTTP 400")
    assert "timed out" in results[3].reason and KEY not in results[3].reason
    await robot.send(notification())  # the slow reply's connection was dropped; a new one works


async def test_unreachable_robot_is_retryable() -> None:
    url = f"http://127.0.0.1:{free_port()}/cgi-bin/webhook/send?key={KEY}"
    robot = WecomNotifier(WecomConfig.model_validate({"type": "wecom", "name": "w", "url": url}))
    error = await failure(robot)
    await robot.aclose()
    assert error.retryable and "ConnectError" in error.reason and KEY not in error.reason


async def test_webhook_posts_the_json_body_with_its_headers(receiver: HttpReceiver, webhook: WebhookNotifier) -> None:
    receiver.default = Reply(204, None, raw=b"")
    await webhook.send(notification())
    (request,) = receiver.received
    assert (request.method, request.path) == ("POST", "/sms/send")
    assert request.headers["authorization"] == "Bearer s3cret-token"
    body = request.json()
    assert (body["alert_id"], body["rule"], body["severity"], body["state"], body["level"]) == \
           (17, "river-warning-level", "orange", "raised", "grid_worker")
    assert body["title"] == "【橙色预警】清溪河石门水位站 水位超警戒"
    assert body["time"] == "2026-11-22T08:10:00.000+00:00"
    assert body["recipients"][0] == {"name": "谭芳", "phone": "18207342575"}
    assert webhook.target(notification()) == f"POST http://127.0.0.1:{receiver.port}/sms/send"


@pytest.mark.parametrize(("status", "retryable"), [(500, True), (503, True), (408, True), (429, True),
                                                    (400, False), (401, False), (404, False), (302, False)])
async def test_webhook_status_decides_retry(receiver: HttpReceiver, webhook: WebhookNotifier,
                                            status: int, retryable: bool) -> None:
    receiver.fail_next(Reply(status, {"error": "no"}))
    error = await failure(webhook)
    assert (error.retryable, error.reason[:8]) == (retryable, f"HTTP {status}")
    await webhook.send(notification())


async def test_webhook_fails_first_requests_then_delivers(receiver: HttpReceiver, webhook: WebhookNotifier) -> None:
    receiver.fail_next(Reply(500), Reply(500), Reply(delay_s=2))
    outcomes = []
    for _ in range(4):
        try:
            await webhook.send(notification())
            outcomes.append("sent")
        except DeliveryError as e:
            outcomes.append("retry" if e.retryable else "final")
    assert outcomes == ["retry", "retry", "retry", "sent"]
    assert len(receiver.received) == 4
