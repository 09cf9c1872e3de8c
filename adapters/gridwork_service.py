"""Grid work's edge: opens its store beside the register's, and starts the demo's campaign once its houses are in."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Mapping
from pathlib import Path

import cv2
import numpy as np
from pydantic import SecretStr

from adapters.gridwork_notice_store import SqlNoticeStore
from adapters.gridwork_robot import WecomRobots
from adapters.gridwork_store import SqlGridworkStore
from adapters.sql import state_url
from hub.alerts.delivery import Backoff
from hub.context import HubContext, Provided
from hub.gridwork.demo import demo_campaign, demo_visits
from hub.gridwork.notice_config import NoticesConfig
from hub.gridwork.notice_sender import NoticeSender
from hub.gridwork.notice_service import NoticeService
from hub.gridwork.scope import Parts
from hub.gridwork.service import GridworkService
from hub.register.sample import SAMPLE_TOWN_PEOPLE
from hub.register.service import RegisterService

log = logging.getLogger(__name__)


class GridworkEdge:
    """Offers grid work (`ctx.gridwork`) once started; off while the register is (it works on the register's houses)."""

    name = "gridwork"

    def __init__(self, ctx: HubContext) -> None:
        self.ctx = ctx
        self._store: SqlGridworkStore | None = None
        self.service: GridworkService | None = None
        self._notice_store: SqlNoticeStore | None = None
        self._sender: NoticeSender | None = None
        self._demo: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        register = self.ctx.register
        if register is None:
            log.warning("grid work is off: the register is off")
            return
        self._store = await asyncio.to_thread(SqlGridworkStore, state_url(self.ctx.settings))
        notices = await self._notices(register)
        service = GridworkService(Parts(self._store, register, self.ctx.cases, self.ctx.users, self.ctx.clock),
                                  notices)
        self.service = service
        resumed = await notices.sender.resume()
        if resumed:
            log.info("grid notices: %d deliveries left pending resumed", resumed)
        if self.ctx.settings.demo is not None:
            self._demo = asyncio.create_task(self._demo_campaign(service, register))

    def provided(self) -> Provided:
        return Provided(gridwork=self.service)

    async def stop(self) -> None:
        self._stopping.set()
        if self._demo is not None:  # stops after the house it is on: no write is cut in half
            await asyncio.gather(self._demo, return_exceptions=True)
        if self._sender is not None:
            await self._sender.stop()
        for store in (self._store, self._notice_store):
            if store is not None:
                store.close()

    async def _notices(self, register: RegisterService) -> NoticeService:
        """Notices to the grids' WeChat groups, each grid's robot key from the environment or the town file."""
        config = register.town.gridwork.notices
        self._notice_store = await asyncio.to_thread(SqlNoticeStore, state_url(self.ctx.settings))
        self._sender = NoticeSender(self._notice_store, WecomRobots(str(config.robot_url), config.timeout_s),
                                    robot_keys(config, self.ctx.settings.robot_keys, set(register.town.grids())),
                                    config.pace, Backoff(first_s=config.retry_first_s, attempts=config.attempts),
                                    self.ctx.clock)
        return NoticeService(self._notice_store, register, self._sender, self.ctx.clock)

    async def _demo_campaign(self, service: GridworkService, register: RegisterService) -> None:
        """Once the demo's register is loaded (in the background), its campaign in progress."""
        while await asyncio.to_thread(register.store.count_people, None) < SAMPLE_TOWN_PEOPLE:
            try:
                await asyncio.wait_for(self._stopping.wait(), 1.0)
                return
            except TimeoutError:
                continue
        photo = await asyncio.to_thread(_demo_photo, self.ctx.cases.photos)
        made = await demo_campaign(service, photo, self._stopping.is_set)
        visited = await asyncio.to_thread(demo_visits, service, self._stopping.is_set)
        log.info("demo visits: %d logged", visited)
        if made is None:
            log.info("demo campaign kept as it was")
        else:
            log.info("demo campaign %d started and partly inspected", made)


def robot_keys(config: NoticesConfig, environment: Mapping[str, SecretStr], grids: set[str]) -> dict[str, str]:
    """Each grid's robot key: the environment's, else the town file's; keys for grids the town lacks are left out
    (and logged by grid, never by key)."""
    keys = {grid: key.get_secret_value() for grid, key in {**config.robots, **environment}.items()}
    if unknown := sorted(set(keys) - grids):
        log.warning("grid notices: robot keys for grids the town lacks are ignored: %s", ", ".join(unknown))
    return {grid: key for grid, key in keys.items() if grid in grids}


def _demo_photo(folder: Path) -> str:
    """A plain grey photo for the demo's inspections, stored as uploads are (console/photos.py)."""
    photo_id = hashlib.sha256(b"gridwork/demo").hexdigest()[:32]
    image = np.full((240, 320, 3), 160, np.uint8)
    cv2.rectangle(image, (40, 60), (280, 200), (90, 90, 90), 4)
    folder.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(folder / f"{photo_id}.jpg"), image)
    return photo_id
