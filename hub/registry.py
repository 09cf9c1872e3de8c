"""Plugins: how the hub finds adapters, stores and the console without importing them.

Each package declares `Plugin` objects under the `gridhub.plugins` entry-point
group in pyproject.toml; the hub loads them by name at start-up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from pydantic import BaseModel

if TYPE_CHECKING:
    from collections.abc import Sequence

    from fastapi import APIRouter, FastAPI
    from starlette.types import ASGIApp

    from hub.alerts.notify import NotifierType
    from hub.alerts.store import AlertStore
    from hub.cases.store import CaseStore
    from hub.cluster import Election, FeedRelay, LeaderProxy
    from hub.context import HubContext, Provided
    from hub.county.config import County
    from hub.county.intake import CountyIntake
    from hub.county.reader import CountyReader
    from hub.dispatch.store import DispatchStore
    from hub.settings import HubSettings
    from hub.store import Store
    from hub.town import Problem, Town
    from hub.users.service import UserService
    from hub.users.store import UserStore

ENTRY_POINT_GROUP = "gridhub.plugins"


class Service(Protocol):
    """Something the hub starts and stops with itself (an edge, the console …)."""

    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@runtime_checkable
class Provider(Protocol):
    """A service that offers the rest of the hub a part of the context; the bootstrap takes it once it started."""

    def provided(self) -> Provided: ...


ServiceFactory = Callable[["HubContext"], "Service | None"]
StoreFactory = Callable[["HubSettings"], "Store"]
AlertStoreFactory = Callable[["HubSettings"], "AlertStore"]
DispatchStoreFactory = Callable[["HubSettings"], "DispatchStore"]
UserStoreFactory = Callable[["HubSettings"], "UserStore"]
CaseStoreFactory = Callable[["HubSettings"], "CaseStore"]
StateMigrate = Callable[["HubSettings"], str]  # upgrades the state database's schema; returns its revision
StateRevision = Callable[["HubSettings"], "str | None"]  # the revision it is at, None before the first upgrade
SectionCheck = Callable[["Town", Any], "list[Problem]"]
ElectionFactory = Callable[["HubSettings", str], "Election"]  # settings, town id
FeedRelayFactory = Callable[["HubSettings", str], "FeedRelay"]  # settings, town id
LeaderProxyFactory = Callable[["HubSettings", str], "LeaderProxy"]  # settings, town id
CountyHubFactory = Callable[["HubSettings", "County"], Service]  # the county process (`gridhub run --county`)
# The county's console: its accounts, sign-in and screen around the county hub's view (an app of its routes).
# Its screen lists the intake's cases; *public*: the routes that keep their own keys (county_routes below), served
# without a county account.
CountyConsoleFactory = Callable[["County", "FastAPI", "CountyReader", "UserService", "CountyIntake",
                                 "Sequence[APIRouter]"], "ASGIApp"]
# Routes the county hub serves outside its accounts (e.g. Open311 for its intake, whose callers hold API keys):
# an APIRouter, made for the county and its intake's store.
CountyRoutesFactory = Callable[["County", "CountyIntake"], Any]


@dataclass(frozen=True)
class Plugin:
    """What one plugin contributes; every part is optional."""

    name: str
    device_adapters: frozenset[str] = frozenset()  # values of Device.adapter it decodes
    section: type[BaseModel] | None = None  # model of the town file's adapters.<name>
    check: SectionCheck | None = None  # cross-checks of that section against the town
    service: ServiceFactory | None = None
    roles: frozenset[str] = frozenset({"all", "core"})  # the process roles that run its service
    store: StoreFactory | None = None
    order: int = 50  # start order: brokers before clients before the console
    notifiers: Mapping[str, NotifierType] | None = None  # alert channels by `type`
    alert_store: AlertStoreFactory | None = None
    dispatch_store: DispatchStoreFactory | None = None
    user_store: UserStoreFactory | None = None
    case_store: CaseStoreFactory | None = None
    election: ElectionFactory | None = None  # how core processes choose their leader
    feed_relay: FeedRelayFactory | None = None  # how the leader's live feeds reach console processes
    leader_proxy: LeaderProxyFactory | None = None  # how a console process passes requests to the leader
    state_migrate: StateMigrate | None = None  # `gridhub db upgrade`; the stores also upgrade on first use
    state_revision: StateRevision | None = None  # `gridhub db current`
    county_hub: CountyHubFactory | None = None
    county_console: CountyConsoleFactory | None = None
    county_routes: CountyRoutesFactory | None = None


class Registry:
    """The plugins known to this process."""

    def __init__(self, plugins: Iterable[Plugin]) -> None:
        self.plugins = {p.name: p for p in sorted(plugins, key=lambda p: p.order)}

    @classmethod
    def discover(cls) -> Registry:
        """Every plugin declared by installed packages."""
        return cls(ep.load() for ep in entry_points(group=ENTRY_POINT_GROUP))

    def device_adapters(self) -> frozenset[str]:
        names: set[str] = set()
        for plugin in self.plugins.values():
            names |= plugin.device_adapters
        return frozenset(names)

    def notifier_types(self) -> dict[str, NotifierType]:
        types: dict[str, NotifierType] = {}
        for plugin in self.plugins.values():
            types |= plugin.notifiers or {}
        return types

    def alert_store(self, name: str) -> AlertStoreFactory:
        factory: AlertStoreFactory = self._part(name, "alert_store")
        return factory

    def dispatch_store(self, name: str) -> DispatchStoreFactory:
        factory: DispatchStoreFactory = self._part(name, "dispatch_store")
        return factory

    def user_store(self, name: str) -> UserStoreFactory:
        factory: UserStoreFactory = self._part(name, "user_store")
        return factory

    def case_store(self, name: str) -> CaseStoreFactory:
        factory: CaseStoreFactory = self._part(name, "case_store")
        return factory

    def election(self) -> ElectionFactory:
        """The one election installed (the cluster plugin's)."""
        factory: ElectionFactory = self._part(next((p.name for p in self.plugins.values() if p.election), ""),
                                              "election")
        return factory

    def feed_relay(self) -> FeedRelayFactory:
        """The one feed relay installed (the cluster plugin's)."""
        factory: FeedRelayFactory = self._part(self._having("feed_relay"), "feed_relay")
        return factory

    def leader_proxy(self) -> LeaderProxyFactory:
        """The one way to the leader installed (the cluster plugin's)."""
        factory: LeaderProxyFactory = self._part(self._having("leader_proxy"), "leader_proxy")
        return factory

    def _having(self, part: str) -> str:
        return next((p.name for p in self.plugins.values() if getattr(p, part) is not None), "")

    def state_migrate(self, name: str) -> StateMigrate:
        found: StateMigrate = self._part(name, "state_migrate")
        return found

    def state_revision(self, name: str) -> StateRevision:
        found: StateRevision = self._part(name, "state_revision")
        return found

    def county_hub(self) -> CountyHubFactory:
        """The one county hub installed."""
        factory: CountyHubFactory = self._part(next((p.name for p in self.plugins.values() if p.county_hub), ""),
                                               "county_hub")
        return factory

    def county_console(self) -> CountyConsoleFactory:
        """The one county console installed."""
        factory: CountyConsoleFactory = self._part(self._having("county_console"), "county_console")
        return factory

    def county_routes(self) -> list[CountyRoutesFactory]:
        """Every plugin's routes for the county hub's view."""
        return [p.county_routes for p in self.plugins.values() if p.county_routes is not None]

    def store(self, name: str) -> StoreFactory:
        factory: StoreFactory = self._part(name, "store")
        return factory

    def _part(self, name: str, part: str) -> Any:
        """Plugin *name*'s *part* (e.g. its store factory); LookupError names the plugins that have one."""
        plugin = self.plugins.get(name)
        if plugin is None or getattr(plugin, part) is None:
            having = [p.name for p in self.plugins.values() if getattr(p, part) is not None]
            raise LookupError(f"no {part.replace('_', ' ')} named {name!r}; installed: {', '.join(having)}")
        return getattr(plugin, part)
