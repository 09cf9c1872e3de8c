"""Alert metrics, read from the service when /metrics is scraped."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from hub.alerts.service import AlertService


class AlertCollector(Collector):
    def __init__(self, service: AlertService) -> None:
        self._service = service

    def collect(self) -> Iterable[GaugeMetricFamily | CounterMetricFamily]:
        s = self._service
        open_alerts = GaugeMetricFamily("gridhub_alerts_open", "Open alerts", labels=["severity", "state"])
        for (severity, state), n in sorted(Counter((a.severity.value, a.state.value)
                                                   for a in s.book.open_alerts()).items()):
            open_alerts.add_metric([severity, state], n)
        yield open_alerts
        yield GaugeMetricFamily("gridhub_alert_store_backlog", "Alert changes waiting to be stored",
                                value=s.writer.backlog())
        yield CounterMetricFamily("gridhub_alert_store_failures", "Failed alert store commits",
                                  value=s.writer.failures)
        yield CounterMetricFamily("gridhub_alert_store_stale_writes",
                                  "Alert writes refused because another process had written the alert since",
                                  value=s.writer.stale_writes)
        notes = CounterMetricFamily("gridhub_notifications", "Notifications by outcome", labels=["outcome"])
        notes.add_metric(["sent"], s.deliveries.sent)
        notes.add_metric(["failed"], s.deliveries.failed)
        yield notes
