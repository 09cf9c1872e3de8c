"""Grid work's edge: opens its store beside the register's, and starts the demo's campaign once its houses are in."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from pathlib import Path

import cv2
import numpy as np

from adapters.gridwork_store import SqlGridworkStore
from adapters.sql import state_url
from hub.context import HubContext
from hub.gridwork.demo import demo_campaign, demo_visits
from hub.gridwork.scope import Parts
from hub.gridwork.service import GridworkService
from hub.register.sample import SAMPLE_TOWN_PEOPLE
from hub.register.service import RegisterService

log = logging.getLogger(__name__)


class GridworkEdge:
    """Sets `ctx.gridwork` while it runs; off while the register is (it works on the register's houses)."""

    name = "gridwork"

    def __init__(self, ctx: HubContext) -> None:
        self.ctx = ctx
        self._store: SqlGridworkStore | None = None
        self._demo: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        register = self.ctx.register
        if register is None:
            log.warning("grid work is off: the register is off")
            return
        self._store = await asyncio.to_thread(SqlGridworkStore, state_url(self.ctx.settings))
        service = GridworkService(Parts(self._store, register, self.ctx.cases, self.ctx.users, self.ctx.clock))
        self.ctx.gridwork = service
        if self.ctx.settings.demo is not None:
            self._demo = asyncio.create_task(self._demo_campaign(service, register))

    async def stop(self) -> None:
        self._stopping.set()
        if self._demo is not None:  # stops after the house it is on: no write is cut in half
            await asyncio.gather(self._demo, return_exceptions=True)
        self.ctx.gridwork = None
        if self._store is not None:
            self._store.close()

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


def _demo_photo(folder: Path) -> str:
    """A plain grey photo for the demo's inspections, stored as uploads are (console/photos.py)."""
    photo_id = hashlib.sha256(b"gridwork/demo").hexdigest()[:32]
    image = np.full((240, 320, 3), 160, np.uint8)
    cv2.rectangle(image, (40, 60), (280, 200), (90, 90, 90), 4)
    folder.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(folder / f"{photo_id}.jpg"), image)
    return photo_id
