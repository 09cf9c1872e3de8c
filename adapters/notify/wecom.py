"""WeChat Work (企业微信) group robots: one WeChat group per grid, a default group for the rest.

The robot takes `POST <url>` with `{"msgtype": "markdown", "markdown": {"content": …}}`
(at most 4096 bytes of UTF-8) or `{"msgtype": "text", "text": {"content": …,
"mentioned_mobile_list": [...]}}` (2048 bytes), and answers HTTP 200 with
`{"errcode": 0, "errmsg": "ok"}`, or another errcode: 45009 when the robot's 20
messages a minute are spent and -1 when WeChat Work is busy (both worth another
try); the rest (93000 invalid webhook URL, 40058 bad content …) are not.
"""

from __future__ import annotations

from typing import Any

import httpx

from adapters.notify.config import WecomConfig
from adapters.notify.httpjson import json_client, mask_url, send_json
from hub.alerts.notify import DeliveryError, Notification

MARKDOWN_LIMIT = 4096
TEXT_LIMIT = 2048
RETRYABLE_ERRCODES = frozenset({-1, 45009})  # system busy; rate limited
ELLIPSIS = "…"


def truncate_utf8(text: str, limit: int) -> str:
    """*text* in at most *limit* bytes of UTF-8, cut between characters and ended with … when cut."""
    data = text.encode()
    if len(data) <= limit:
        return text
    room = limit - len(ELLIPSIS.encode())
    return data[:room].decode(errors="ignore") + ELLIPSIS  # "ignore" drops only a character cut in half


def robot_message(n: Notification, msgtype: str, mention: bool) -> dict[str, Any]:
    """The robot's JSON for *n*: markdown as rendered, or text that @s the recipients by phone."""
    if msgtype == "markdown":
        return {"msgtype": "markdown", "markdown": {"content": truncate_utf8(n.markdown, MARKDOWN_LIMIT)}}
    text: dict[str, Any] = {"content": truncate_utf8(n.text, TEXT_LIMIT)}
    phones = list(dict.fromkeys(r.phone for r in n.recipients))
    if mention and phones:
        text["mentioned_mobile_list"] = phones
    return {"msgtype": "text", "text": text}


def check_reply(response: httpx.Response) -> None:
    """The robot answers 200 even when it refuses; errcode says which."""
    try:
        reply = response.json()
    except ValueError:
        reply = None
    if not isinstance(reply, dict) or not isinstance(reply.get("errcode"), int):
        raise DeliveryError(f"not a robot's reply: {response.text[:200]!r}", retryable=False)
    code = reply["errcode"]
    if code != 0:
        raise DeliveryError(f"errcode {code}: {reply.get('errmsg', '')}", retryable=code in RETRYABLE_ERRCODES)


class WecomNotifier:
    """Sends each notification to the robot of its alert's grid, or to the default robot."""

    def __init__(self, config: WecomConfig) -> None:
        self.name = config.name
        self.config = config
        self._default = str(config.url) if config.url is not None else None
        self._grids = {grid: str(url) for grid, url in config.grid_urls.items()}
        self._client = json_client(config.timeout_s)

    def robot(self, n: Notification) -> str | None:
        grid = n.grid
        return self._grids.get(grid, self._default) if grid is not None else self._default

    def accepts(self, notification: Notification) -> bool:
        return self.config.wants(notification) and self.robot(notification) is not None

    def target(self, notification: Notification) -> str:
        url = self.robot(notification)
        return mask_url(url) if url is not None else "no robot"

    async def send(self, notification: Notification) -> None:
        url = self.robot(notification)
        if url is None:
            raise DeliveryError(f"no robot for grid {notification.grid} and no default", retryable=False)
        body = robot_message(notification, self.config.msgtype, self.config.mention)
        # The robot ignores the key (it cannot drop a repeat); sent all the same for a relay that can.
        check_reply(await send_json(self._client, "POST", url, body, notification.delivery_id))

    async def aclose(self) -> None:
        await self._client.aclose()
