"""Grid notices as the console reaches them: templates, a preview, sending, and the log, in the caller's scope.

Who sends: the centre (admin, officer) to any grid of the town, a cadre to the grids of their village. A grid
worker sends none: they are members of their grid's group already, and a notice is the centre's word to it.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Callable

from hub.gridwork.notice_config import NoticesConfig, NoticeTemplate
from hub.gridwork.notice_sender import NoticeSender
from hub.gridwork.notices import (
    Delivery,
    Notice,
    NoticeFields,
    NoticeRecord,
    NoticeStore,
    Preview,
    Status,
    Target,
    render,
)
from hub.register.service import NotFound, OutOfScope, RegisterError, RegisterService
from hub.users.model import Principal, Role

LOG_LIMIT = 100


class NoticeService:
    """Sync methods take real time on the store: the console calls them in worker threads; `send` is loop only."""

    def __init__(self, store: NoticeStore, register: RegisterService, sender: NoticeSender,
                 clock: Callable[[], float]) -> None:
        self.store = store
        self.sender = sender
        self._register = register
        self._clock = clock
        self._lock = threading.Lock()  # a notice's key is looked up and stored as one step

    @property
    def config(self) -> NoticesConfig:
        return self._register.town.gridwork.notices

    def templates(self, principal: Principal) -> dict[str, NoticeTemplate]:
        self._senders_only(principal)
        return dict(self.config.templates)

    def grids(self, principal: Principal) -> list[Target]:
        """The grids the caller may send to, each with whether it has a robot."""
        self._senders_only(principal)
        scope = self._register.scope(principal)
        return [self._target(g) for g in sorted(self._register.town.grids()) if scope is None or g in scope]

    def preview(self, principal: Principal, body: NoticeFields) -> Preview:
        """The message as the groups will read it and the grids it goes to; nothing is sent."""
        template = self._template(body.template)
        text = render(template, dict(body.fields))
        return Preview(msgtype=template.msgtype, text=text, grids=[self._target(g) for g in self._chosen(principal,
                                                                                                          body)])

    async def send(self, principal: Principal, body: NoticeFields) -> NoticeRecord:
        """Store the notice with a pending delivery per grid, then start them; a key sent again sends nothing."""
        record, fresh = await asyncio.to_thread(self._store_notice, principal, body)
        if fresh:
            self.sender.launch(record.deliveries, record.notice)
        return record

    def log(self, principal: Principal, limit: int = LOG_LIMIT) -> list[NoticeRecord]:
        """The newest notices that reached the caller's grids, with those grids' deliveries only."""
        self._senders_only(principal)
        return self._scoped(principal, self.store.notices(limit))

    def record(self, principal: Principal, notice_id: int) -> NoticeRecord:
        """One notice with its deliveries in the caller's scope."""
        self._senders_only(principal)
        found = self.store.record(notice_id)
        scoped = self._scoped(principal, [found] if found is not None else [])
        if not scoped:
            raise NotFound(f"没有通知 {notice_id}")
        return scoped[0]

    def _scoped(self, principal: Principal, records: list[NoticeRecord]) -> list[NoticeRecord]:
        scope = self._register.scope(principal)
        if scope is None:
            return records
        return [NoticeRecord(notice=r.notice, deliveries=[d for d in r.deliveries if d.grid in scope])
                for r in records if scope.intersection(r.notice.grids)]

    def _store_notice(self, principal: Principal, body: NoticeFields) -> tuple[NoticeRecord, bool]:
        preview = self.preview(principal, body)
        with self._lock:
            if body.key is not None and (kept := self.store.notice_by_key(body.key)) is not None:
                return self.store.record(kept.id) or NoticeRecord(notice=kept, deliveries=[]), False
            now = self._clock()
            template = self._template(body.template)
            notice = Notice(template=body.template, template_name=template.name, fields=dict(body.fields),
                            msgtype=preview.msgtype, text=preview.text, sender=principal.actor, ts=now,
                            grids=tuple(t.grid for t in preview.grids), key=body.key)
            deliveries = [self._delivery(t, now) for t in preview.grids]
            notice = self.store.add_notice(notice, deliveries)
        return NoticeRecord(notice=notice, deliveries=[d.model_copy(update={"notice": notice.id})
                                                       for d in deliveries]), True

    def _delivery(self, target: Target, now: float) -> Delivery:
        delivery = Delivery(id=uuid.uuid4().hex, grid=target.grid, target=self.sender.target(target.grid),
                            updated=now)
        if target.robot:
            return delivery
        return delivery.model_copy(update={"status": Status.failed, "error": "该网格未配置企业微信群机器人"})

    def _chosen(self, principal: Principal, body: NoticeFields) -> list[str]:
        """The grids *body* names, by grid, village or all of the scope; each checked against the scope."""
        self._senders_only(principal)
        town = self._register.town
        villages = {v.id: v for v in town.villages}
        if unknown := [v for v in body.villages if v not in villages]:
            raise RegisterError(f"未知村（社区） {'、'.join(unknown)}")
        scope = self._register.scope(principal)
        chosen = set(body.grids) | {g.id for v in body.villages for g in villages[v].grids}
        if body.all:
            chosen |= set(town.grids()) if scope is None else set(scope)
        for grid in sorted(chosen):
            self._register.check_grid(principal, grid)
        if not chosen:
            raise RegisterError("请选择要通知的网格")
        return sorted(chosen)

    def _target(self, grid: str) -> Target:
        town = self._register.town
        village = self._register.village_of(grid) or ""
        names = {v.id: v.name for v in town.villages}
        return Target(grid=grid, name=town.grids()[grid].name, village=names.get(village, village),
                      village_id=village, robot=grid in self.sender.keys)

    def _template(self, key: str) -> NoticeTemplate:
        template = self.config.templates.get(key)
        if template is None:
            raise RegisterError(f"没有通知模板 {key}")
        return template

    @staticmethod
    def _senders_only(principal: Principal) -> None:
        if not (principal.is_staff or principal.role is Role.cadre):
            raise OutOfScope("网格通知由综治中心和村（社区）干部发送，网格员不能发送")
