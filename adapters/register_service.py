"""The register's edge: the register on its store, with the key from the environment; the demo's sample loaded once."""

from __future__ import annotations

import asyncio
import logging
import threading
import time

from adapters.register_store import SqlRegisterStore
from adapters.sql import state_url
from hub.context import Provided
from hub.register.crypto import KeyMissing, RegisterCipher, load_key
from hub.register.imports import add_people
from hub.register.model import House
from hub.register.sample import SAMPLE_TOWN_PEOPLE, sample_register
from hub.register.service import RegisterService
from hub.settings import HubSettings
from hub.town import Town

log = logging.getLogger(__name__)
DEMO_ACTOR = "演示数据"
BATCH = 5000


def register_service(settings: HubSettings, town: Town) -> RegisterService | None:
    """The register on the state database, with its key from the environment; without a key, None (and why,
    logged): the register stays off."""
    configured = settings.register_key.get_secret_value() if settings.register_key else None
    try:
        key = load_key(configured, settings.data_dir, settings.demo is not None)
    except KeyMissing as exc:
        log.warning("the register is off: %s", exc)
        return None
    return RegisterService(SqlRegisterStore(state_url(settings)), RegisterCipher(key), town)


class RegisterEdge:
    """Offers the register it is handed (`ctx.register`, None while off), and loads the demo's sample into it."""

    name = "register"

    def __init__(self, service: RegisterService | None, demo: bool) -> None:
        self.service = service
        self._demo = demo
        self._loading: asyncio.Task[None] | None = None
        self._stopping = threading.Event()

    async def start(self) -> None:
        if self.service is not None and self._demo:  # in the background: the demo's console answers meanwhile
            self._loading = asyncio.create_task(asyncio.to_thread(self._load_sample, self.service))

    def provided(self) -> Provided:
        return Provided(register=self.service)

    async def stop(self) -> None:
        self._stopping.set()
        if self._loading is not None:
            await asyncio.gather(self._loading, return_exceptions=True)  # stops after the batch it is writing
        if self.service is not None:
            self.service.store.close()

    def _load_sample(self, service: RegisterService) -> None:
        """The sample town's fictional register, in batches (35,000 people take a few seconds); a load that a stop
        cut short is finished at the next start."""
        if service.store.count_people(None) >= SAMPLE_TOWN_PEOPLE:
            return
        started = time.monotonic()
        sample = sample_register(service.town)
        now = time.time()
        service.store.add_houses([House(**h.model_dump(), updated=now) for h in sample.houses], DEMO_ACTOR, now)
        for start in range(0, len(sample.people), BATCH):
            if self._stopping.is_set():
                return
            batch = sample.people[start:start + BATCH]
            kept = service.store.people_by_digest([service.cipher.digest("id", p.id_number) for p in batch])
            add_people(service, [p for p in batch if service.cipher.digest("id", p.id_number) not in kept],
                       DEMO_ACTOR, now)
        log.info("demo register: %d people, %d houses in %.1f s", len(sample.people), len(sample.houses),
                 time.monotonic() - started)
