"""Generic HTTP webhooks (SMS gateways, other systems): the notification as JSON, any 2xx is delivered.

The body is adapters.notify.body.notification_body (see README, "Alert notification
channels"). 5xx, 408, 429, timeouts and unreachable hosts are worth another try;
other 4xx and redirects are not.
"""

from __future__ import annotations

from adapters.notify.body import notification_body
from adapters.notify.config import WebhookConfig
from adapters.notify.httpjson import json_client, mask_url, send_json
from hub.alerts.notify import Notification


class WebhookNotifier:
    """Sends each notification it wants to one URL."""

    def __init__(self, config: WebhookConfig) -> None:
        self.name = config.name
        self.config = config
        self._url = str(config.url)
        self._client = json_client(config.timeout_s, config.headers)

    def accepts(self, notification: Notification) -> bool:
        return self.config.wants(notification)

    def target(self, notification: Notification) -> str:
        return f"{self.config.method} {mask_url(self._url)}"

    async def send(self, notification: Notification) -> None:
        await send_json(self._client, self.config.method, self._url, notification_body(notification),
                        notification.delivery_id)

    async def aclose(self) -> None:
        await self._client.aclose()
