"""Grid work's edge: its service on stores beside the register's, and the demo's campaign once its houses are in."""

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


def gridwork_service(ctx: HubContext) -> GridworkService | None:
    """Grid work on the register's houses, with its notices to the grids' WeChat groups (each grid's robot key from
    the environment or the town file); None while the register is off."""
    register = ctx.register
    if register is None:
        log.warning("grid work is off: the register is off")
        return None
    url, config = state_url(ctx.settings), register.town.gridwork.notices
    notice_store = SqlNoticeStore(url)
    sender = NoticeSender(notice_store, WecomRobots(str(config.robot_url), config.timeout_s),
                          robot_keys(config, ctx.settings.robot_keys, set(register.town.grids())), config.pace,
                          Backoff(first_s=config.retry_first_s, attempts=config.attempts), ctx.clock)
    return GridworkService(Parts(SqlGridworkStore(url), register, ctx.cases, ctx.users, ctx.clock),
                           NoticeService(notice_store, register, sender, ctx.clock))


class GridworkEdge:
    """Offers the grid work it is handed (`ctx.gridwork`, None while the register is off), resumes its notices'
    deliveries, and starts the demo's campaign once the demo's houses are in."""

    name = "gridwork"

    def __init__(self, service: GridworkService | None, demo: bool, photos: Path) -> None:
        self.service = service
        self._is_demo = demo
        self._photos = photos  # where the demo's inspection photo goes: the cases' photo folder
        self._demo: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        if self.service is None:
            return
        resumed = await self.service.notices.sender.resume()
        if resumed:
            log.info("grid notices: %d deliveries left pending resumed", resumed)
        if self._is_demo:
            self._demo = asyncio.create_task(self._demo_campaign(self.service, self.service.parts.register))

    def provided(self) -> Provided:
        return Provided(gridwork=self.service)

    async def stop(self) -> None:
        self._stopping.set()
        if self._demo is not None:  # stops after the house it is on: no write is cut in half
            await asyncio.gather(self._demo, return_exceptions=True)
        if self.service is not None:
            await self.service.notices.sender.stop()
            self.service.close()
            self.service.notices.store.close()

    async def _demo_campaign(self, service: GridworkService, register: RegisterService) -> None:
        """Once the demo's register is loaded (in the background), its campaign in progress."""
        while await asyncio.to_thread(register.store.count_people, None) < SAMPLE_TOWN_PEOPLE:
            try:
                await asyncio.wait_for(self._stopping.wait(), 1.0)
                return
            except TimeoutError:
                continue
        photo = await asyncio.to_thread(_demo_photo, self._photos)
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
