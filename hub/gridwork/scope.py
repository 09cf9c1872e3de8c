"""What grid work shares: the register's scope rules, the town's calendar, and the refusals."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from hub.cases.service import CaseService
from hub.gridwork.config import GridworkConfig
from hub.gridwork.store import GridworkStore
from hub.register.service import RegisterService
from hub.users.model import Role
from hub.users.service import UserService


@dataclass(frozen=True)
class Parts:
    """What the campaign and visit services are built on."""

    store: GridworkStore
    register: RegisterService  # scope by grid (grid worker, cadre's village, the centre's town), houses, households
    cases: CaseService
    users: UserService
    clock: Callable[[], float]

    @property
    def config(self) -> GridworkConfig:
        return self.register.town.gridwork

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.register.town.town.timezone)

    def today(self) -> dt.date:
        return dt.datetime.fromtimestamp(self.clock(), self.zone).date()

    def start_of(self, day: dt.date) -> float:
        """The first second of *day* in the town."""
        return dt.datetime.combine(day, dt.time(), self.zone).timestamp()

    def workers(self, grid: str) -> list[str]:
        """The grid workers of *grid*, by name and username, as a campaign is assigned to them."""
        return sorted(f"{u.name} ({u.username})" for u in list(self.users.users.values())
                      if u.role is Role.grid_worker and grid in u.grids)


class OnParts:
    """A service of grid work: its parts, and the two it uses most."""

    def __init__(self, parts: Parts) -> None:
        self.parts = parts
        self.store = parts.store
        self.register = parts.register
        # Requests reach the core leader's one process: a lock there keeps a house's read-check-write whole.
        self.lock = threading.Lock()
