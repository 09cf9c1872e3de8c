"""Who is told about an alert, and when the next one up the chain is."""

from __future__ import annotations

from hub.alerts.config import AlertsConfig, ContactConfig
from hub.alerts.model import Alert, Severity
from hub.alerts.notify import ALERT_CHAIN, ChainLevel, Recipient
from hub.town import Contact, Town


class EscalationPolicy:
    """The chain grid worker → village cadre → duty officer → centre lead, with the town's delays."""

    def __init__(self, town: Town, config: AlertsConfig) -> None:
        self._town = town
        self._grids = town.grids()
        self._config = config

    def recipients(self, alert: Alert, level: ChainLevel) -> tuple[Recipient, ...]:
        contact: Contact | ContactConfig | None = None
        if level is ChainLevel.GRID_WORKER and alert.grid in self._grids:
            contact = self._grids[alert.grid].worker
        elif level is ChainLevel.VILLAGE_CADRE and alert.village is not None:
            village = next((v for v in self._town.villages if v.id == alert.village), None)
            contact = village.cadre if village else None
        elif level is ChainLevel.DUTY_OFFICER:
            contact = self._config.duty_officer
        elif level is ChainLevel.CENTRE_LEAD:
            contact = self._config.centre_lead
        return (Recipient(contact.name, contact.phone, level),) if contact else ()

    def chain(self, alert: Alert) -> list[ChainLevel]:
        """The levels that have someone to tell for this alert; the duty officer at least."""
        levels = [lv for lv in ALERT_CHAIN if self.recipients(alert, lv)]
        return levels or [ChainLevel.DUTY_OFFICER]

    def after_s(self, severity: Severity) -> float:
        return self._config.escalation.after_min.get(severity, 30.0) * 60.0

    @property
    def repeat_s(self) -> float:
        return self._config.escalation.repeat_min * 60.0
