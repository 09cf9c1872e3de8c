"""Stale writes of the dispatch, case, broadcast and call stores, read from their services when /metrics is
scraped (the alert store's are `gridhub_alert_store_stale_writes`, beside its other figures)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from hub.context import HubContext


class StaleWriteCollector(Collector):
    def __init__(self, ctx: HubContext) -> None:
        self._ctx = ctx

    def collect(self) -> Iterable[CounterMetricFamily]:
        refused = CounterMetricFamily("gridhub_state_stale_writes",
                                      "Writes refused because another process had written the row since",
                                      labels=["store"])
        ctx = self._ctx
        # Broadcast and calls exist only when the town has their plugins (set once those have started).
        for store, service in (("dispatch", ctx.dispatch), ("cases", ctx.cases), ("broadcast", ctx.broadcast),
                               ("calls", ctx.calls)):
            if service is not None:
                refused.add_metric([store], service.stale_writes)
        yield refused
