"""The WeChat Work group robots that grid notices go through: `POST <robot_url>?key=<key>` with the message's JSON.

The alert channel's rules apply (adapters/notify/wecom.py): the robot answers 200 with an errcode, 45009 (its 20
messages a minute spent) and -1 (busy) are worth another try, as are 5xx, timeouts and unreachable hosts; other
errcodes are final. The key is a secret: only its first characters are ever shown or logged.
"""

from __future__ import annotations

from urllib.parse import urlencode

from adapters.notify.httpjson import json_client, mask_url, send_json
from adapters.notify.wecom import check_reply


class WecomRobots:
    """Every grid's robot through one HTTP client (its connections kept alive)."""

    def __init__(self, robot_url: str, timeout_s: float) -> None:
        self._url = robot_url
        self._client = json_client(timeout_s)

    def url(self, key: str) -> str:
        joiner = "&" if "?" in self._url else "?"
        return f"{self._url}{joiner}{urlencode({'key': key})}"

    def target(self, key: str) -> str:
        return mask_url(self.url(key))

    async def send(self, key: str, message: dict[str, object], delivery_id: str) -> None:
        # The robot ignores the Idempotency-Key (it cannot drop a repeat); sent for a relay that can.
        check_reply(await send_json(self._client, "POST", self.url(key), message, delivery_id))

    async def aclose(self) -> None:
        await self._client.aclose()
