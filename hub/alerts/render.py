"""Notifications for an alert event: who is told at which level, in Chinese, as text and markdown."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from hub.alerts.escalation import EscalationPolicy
from hub.alerts.model import Action, Alert, AlertEvent, Severity
from hub.alerts.notify import ChainLevel, Notification
from hub.town import Town, place_name

_HEADS = {Action.RAISE: "预警", Action.REOPEN: "预警（再次出现）", Action.SEVERITY: "预警（等级变化）",
          Action.ESCALATE: "预警（未确认，升级通知）", Action.ACKNOWLEDGE: "预警已确认",
          Action.DISPATCH: "预警已派单", Action.RESOLVE: "预警已解除", Action.CONDITION_CLEARED: "预警条件已解除"}
_COLOURS = {Severity.BLUE: "comment", Severity.YELLOW: "warning", Severity.ORANGE: "warning",
            Severity.RED: "warning"}  # WeChat Work markdown knows info (green), comment (grey), warning (orange)


class Renderer:
    """Turns alert events into the notifications each chain level should get."""

    def __init__(self, town: Town, policy: EscalationPolicy, console_url: str | None = None) -> None:
        self._town = town
        self._grids = town.grids()
        self._tz = ZoneInfo(town.town.timezone)
        self._policy = policy
        self.console_url = console_url

    def notifications(self, event: AlertEvent) -> list[Notification]:
        if event.transition is None or event.transition.action not in _HEADS:
            return []
        alert, action = event.alert, event.transition.action
        chain = self._policy.chain(alert)
        reached = chain[:min(alert.escalation_level, len(chain) - 1) + 1]
        levels = reached[-1:] if action in (Action.RAISE, Action.REOPEN, Action.ESCALATE) else reached
        return [self.render(event, level) for level in levels]

    def render(self, event: AlertEvent, level: ChainLevel) -> Notification:
        alert, transition = event.alert, event.transition
        assert transition is not None
        action = transition.action
        title = f"【{alert.severity.label_zh}{_HEADS[action]}】{alert.title}"
        facts = self._facts(alert, transition.ts, transition.note, transition.actor)
        text = "\n".join([title, *(f"{k}：{v}" for k, v in facts)])
        colour = "info" if action is Action.RESOLVE else _COLOURS[alert.severity]
        markdown = "\n".join([f'### <font color="{colour}">{title}</font>',
                              *(f"> {k}：<font color=\"comment\">{v}</font>" for k, v in facts)])
        return Notification(alert, action, level, self._policy.recipients(alert, level), title, text, markdown,
                            transition.ts, transition.seq)

    def _facts(self, alert: Alert, ts: float, note: str, actor: str) -> list[tuple[str, str]]:
        facts = [("编号", f"#{alert.id}"), ("内容", alert.message or alert.title), ("地点", self._place(alert)),
                 ("时间", datetime.fromtimestamp(ts, self._tz).strftime("%Y-%m-%d %H:%M")),
                 ("等级", f"{alert.severity.label_zh}"), ("状态", _STATES.get(alert.state.value, alert.state.value))]
        if note:
            facts.append(("说明", note if actor == "system" else f"{note}（{actor}）"))
        if self.console_url:
            facts.append(("处置", f"{self.console_url.rstrip('/')}/#/alerts/{alert.id}"))
        return facts

    def _place(self, alert: Alert) -> str:
        grid = self._grids.get(alert.grid or "")
        village = self._town.village_of(grid.id) if grid else None
        parts = [self._town.town.name, village.name if village else "", grid.name if grid else ""]
        if not grid:
            parts.append(alert.source)
        return place_name(*parts)


_STATES = {"raised": "待确认", "acknowledged": "已确认", "dispatched": "已派单",
           "resolved": "已解除", "closed": "已关闭"}
