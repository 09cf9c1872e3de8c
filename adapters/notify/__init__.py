"""Alert notification channels: WeChat Work group robots, HTTP webhooks and MQTT."""
