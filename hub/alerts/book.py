"""The alert book: open alerts by rule and source, their lifecycle and escalation timers.

Pure state on the event loop: every change returns AlertEvents (the alert after
it, and the transition for the audit trail); the service persists them in order
before anyone is told. Times come from the injected clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from hub.alerts.config import Rule
from hub.alerts.defaults import OUTSIDE_RULES
from hub.alerts.escalation import EscalationPolicy
from hub.alerts.evaluators import Signal
from hub.alerts.ids import Ids
from hub.alerts.model import SYSTEM, Action, Alert, AlertEvent, AlertState, Severity, Transition
from hub.town import Town


class AlertActionError(Exception):
    """A person's action that does not apply to the alert as it is (e.g. closing an open alert)."""


class AlertBook:
    """Every open alert (and the recently resolved, which a recurrence reopens)."""

    def __init__(self, town: Town, rules: dict[str, Rule], policy: EscalationPolicy, clock: Callable[[], float],
                 alerts: Iterable[Alert] = (), last_id: int = 0, last_seq: int = 0,
                 close_after_s: float = 72 * 3600.0, alert_ids: Ids | None = None, seqs: Ids | None = None) -> None:
        self._town = town
        self._devices = town.device_map()
        self._rules = rules
        self.policy = policy
        self._clock = clock
        # From the database in a running hub (hub/alerts/ids.py); counted in memory without one.
        self._ids = alert_ids or Ids.counting(last_id)
        self._seqs = seqs or Ids.counting(last_seq)
        self.close_after_s = close_after_s
        self.by_id: dict[int, Alert] = {a.id: a for a in sorted(alerts, key=lambda a: a.id)
                                        if a.state is not AlertState.CLOSED}
        self.by_key: dict[tuple[str, str], Alert] = {a.key: a for a in self.by_id.values()}
        self._dirty: dict[int, Alert] = {}

    @property
    def last_seq(self) -> int:
        return self._seqs.last

    def open_alerts(self) -> list[Alert]:
        return [a for a in self.by_key.values() if a.state.is_open]

    # --- what rules say -------------------------------------------------------------------------

    def apply(self, signal: Signal) -> list[AlertEvent]:
        alert = self.by_key.get((signal.rule, signal.source))
        now = self._clock()
        if signal.severity is None:
            return self._condition_cleared(alert, now) if alert and alert.state.is_open and alert.active else []
        if alert is None or not self._reopens(alert, now):
            return [self._raise(signal, now)]
        if alert.state is AlertState.RESOLVED:
            return [self._reopen(alert, signal, now)]
        return self._repeat(alert, signal, now)

    def _reopens(self, alert: Alert, now: float) -> bool:
        if alert.state.is_open:
            return True
        window = self._rules[alert.rule].reopen_within_s if alert.rule in self._rules else 0.0
        return alert.state is AlertState.RESOLVED and now - (alert.resolved_at or 0.0) <= window

    def _raise(self, signal: Signal, now: float) -> AlertEvent:
        alert_id = self._ids.take()
        device = self._devices.get(signal.device or "")
        grid = device.grid if device else _grouped(signal.source, "grid")
        village = self._town.village_of(grid) if grid else None
        village_id = village.id if village else _grouped(signal.source, "village")
        rule = self._rules.get(signal.rule)
        title = rule.title if rule else OUTSIDE_RULES.get(signal.rule, signal.rule)
        alert = Alert(alert_id, signal.rule, signal.source, title,
                      signal.severity or Severity.YELLOW, AlertState.RAISED, signal.message, signal.value, 1,
                      now, now, now, True, device=device.id if device else None, grid=grid,
                      village=village_id, detail=dict(signal.detail))
        alert = alert.evolve(next_escalation_at=now + self.policy.after_s(alert.severity))
        return self._record(alert, Action.RAISE, SYSTEM, now, "")

    def _reopen(self, alert: Alert, signal: Signal, now: float) -> AlertEvent:
        # Resolved while its condition still held (the screen asked first): the history says why it is back.
        held = "；解除时条件仍成立，重新逐级通知" if alert.active else ""
        severity = signal.severity or alert.severity
        alert = alert.evolve(state=AlertState.RAISED, severity=severity, message=signal.message, value=signal.value,
                             count=alert.count + 1, last_seen_at=now, active=True, cleared_at=None,
                             resolved_at=None, escalation_level=0, acknowledged_by=None,
                             next_escalation_at=now + self.policy.after_s(severity), detail=dict(signal.detail))
        return self._record(alert, Action.REOPEN, SYSTEM, now, f"{_minutes(now - alert.updated_at)}后再次出现{held}")

    def _repeat(self, alert: Alert, signal: Signal, now: float) -> list[AlertEvent]:
        severity = signal.severity or alert.severity
        changed = alert.evolve(message=signal.message or alert.message, value=signal.value, count=alert.count + 1,
                               last_seen_at=now, active=True, cleared_at=None, detail=dict(signal.detail))
        if severity is alert.severity:
            self._store(changed)
            self._dirty[changed.id] = changed
            return []
        way = "升" if severity.rank > alert.severity.rank else "降"
        note = f"由{alert.severity.label_zh}{way}为{severity.label_zh}"
        changed = changed.evolve(severity=severity)
        if changed.state is AlertState.RAISED and severity.rank > alert.severity.rank:
            due = now + self.policy.after_s(severity)
            changed = changed.evolve(next_escalation_at=min(due, alert.next_escalation_at or due))
        return [self._record(changed, Action.SEVERITY, SYSTEM, now, note)]

    def _condition_cleared(self, alert: Alert, now: float) -> list[AlertEvent]:
        alert = alert.evolve(active=False, cleared_at=now)
        rule = self._rules.get(alert.rule)
        if rule is not None and rule.auto_resolve and rule.clear_for_s == 0:
            return [self._resolve(alert, SYSTEM, now, "条件已解除，自动恢复")]
        if rule is not None and rule.auto_resolve:
            self._store(alert)  # tick resolves it once the condition has stayed clear
            self._dirty[alert.id] = alert
            return []
        return [self._record(alert, Action.CONDITION_CLEARED, SYSTEM, now, "条件已解除，待人工处置")]

    # --- timers -----------------------------------------------------------------------------------

    def tick(self) -> list[AlertEvent]:
        """Auto-resolve what stayed clear, escalate what nobody acknowledged, close what stayed resolved."""
        now = self._clock()
        return [event for alert in list(self.by_id.values()) if (event := self._due(alert, now)) is not None]

    def _due(self, alert: Alert, now: float) -> AlertEvent | None:
        rule = self._rules.get(alert.rule)
        if alert.state is AlertState.RESOLVED:
            if now - (alert.resolved_at or now) < self.close_after_s:
                return None
            return self.close(alert.id, SYSTEM, f"恢复后 {_minutes(self.close_after_s)}未复发，自动关闭")
        if (not alert.active and alert.cleared_at is not None and rule is not None and rule.auto_resolve
                and now - alert.cleared_at >= rule.clear_for_s):
            return self._resolve(alert, SYSTEM, now, f"条件已解除 {_minutes(now - alert.cleared_at)}，自动恢复")
        if alert.state is AlertState.RAISED and alert.next_escalation_at is not None \
                and now >= alert.next_escalation_at:
            return self._escalate(alert, now)
        return None

    def _escalate(self, alert: Alert, now: float) -> AlertEvent:
        chain = self.policy.chain(alert)
        waited = _minutes(now - alert.raised_at)
        if alert.escalation_level + 1 < len(chain):
            level = alert.escalation_level + 1
            at_top = level == len(chain) - 1  # from here on the top level is reminded every repeat_min
            due = now + (self.policy.repeat_s if at_top else self.policy.after_s(alert.severity))
            note = f"{waited}未确认，升级至{chain[level].label_zh}"
        else:
            level = min(alert.escalation_level, len(chain) - 1)
            due = now + self.policy.repeat_s
            note = f"{waited}未确认，再次提醒{chain[level].label_zh}"
        alert = alert.evolve(escalation_level=level, next_escalation_at=due)
        return self._record(alert, Action.ESCALATE, SYSTEM, now, note)

    def take_updates(self) -> list[AlertEvent]:
        """Repeats since the last call, one per alert: persisted and shown, but not audit entries."""
        dirty, self._dirty = self._dirty, {}
        return [AlertEvent(self.by_id.get(i, a)) for i, a in dirty.items()]

    # --- what people do ---------------------------------------------------------------------------

    def acknowledge(self, alert_id: int, actor: str, note: str) -> AlertEvent:
        alert = self._get(alert_id)
        if alert.state is not AlertState.RAISED:
            raise AlertActionError(f"alert {alert_id} is {alert.state.value}; only a raised alert is acknowledged")
        now = self._clock()
        return self._record(alert.evolve(state=AlertState.ACKNOWLEDGED, acknowledged_by=actor,
                                         next_escalation_at=None), Action.ACKNOWLEDGE, actor, now, note)

    def dispatch(self, alert_id: int, actor: str, note: str) -> AlertEvent:
        """The hook dispatch uses: teams are on their way, so escalation stops."""
        alert = self._get(alert_id)
        if not alert.state.is_open:
            raise AlertActionError(f"alert {alert_id} is {alert.state.value}; only an open alert is dispatched")
        return self._record(alert.evolve(state=AlertState.DISPATCHED, next_escalation_at=None,
                                         acknowledged_by=alert.acknowledged_by or actor),
                            Action.DISPATCH, actor, self._clock(), note)

    def resolve(self, alert_id: int, actor: str, note: str) -> AlertEvent:
        alert = self._get(alert_id)
        if not alert.state.is_open:
            raise AlertActionError(f"alert {alert_id} is {alert.state.value}; only an open alert is resolved")
        return self._resolve(alert, actor, self._clock(), note)

    def close(self, alert_id: int, actor: str, note: str) -> AlertEvent:
        alert = self._get(alert_id)
        if alert.state is not AlertState.RESOLVED:
            raise AlertActionError(f"alert {alert_id} is {alert.state.value}; resolve it before closing")
        event = self._record(alert.evolve(state=AlertState.CLOSED), Action.CLOSE, actor, self._clock(), note)
        del self.by_id[alert.id]
        if self.by_key.get(alert.key) is event.alert:
            del self.by_key[alert.key]
        return event

    def note(self, alert_id: int, actor: str, note: str) -> AlertEvent:
        """An entry in the alert's history that leaves its state and escalation as they are."""
        return self._record(self._get(alert_id), Action.NOTE, actor, self._clock(), note)

    def _resolve(self, alert: Alert, actor: str, now: float, note: str) -> AlertEvent:
        return self._record(alert.evolve(state=AlertState.RESOLVED, resolved_at=now, next_escalation_at=None),
                            Action.RESOLVE, actor, now, note)

    def _get(self, alert_id: int) -> Alert:
        alert = self.by_id.get(alert_id)
        if alert is None:
            raise KeyError(alert_id)
        return alert

    def _record(self, alert: Alert, action: Action, actor: str, now: float, note: str) -> AlertEvent:
        seq = self._seqs.take()
        alert = alert.evolve(updated_at=now)
        self._store(alert)
        self._dirty.pop(alert.id, None)
        transition = Transition(seq, alert.id, action, actor, now, note, alert.state, alert.severity)
        return AlertEvent(alert, transition)

    def _store(self, alert: Alert) -> None:
        """Keep the newest alert per key; an older resolved one stays by id until it is closed."""
        newest = self.by_key.get(alert.key)
        if newest is None or newest.id <= alert.id:
            self.by_key[alert.key] = alert
        self.by_id[alert.id] = alert


def _grouped(source: str, within: str) -> str | None:
    """The grid or village a combination alert of that grouping is about (its source is `<within>:<id>`)."""
    kind, _, value = source.partition(":")
    return value if kind == within and value else None


def _minutes(seconds: float) -> str:
    if seconds < 3600:
        return f"{max(0, round(seconds / 60))} 分钟"
    return f"{seconds / 3600:.1f} 小时"
