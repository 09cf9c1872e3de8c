"""The town model: villages, grids, devices, patrol teams and thresholds, from YAML."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, Field, StringConstraints

from hub.alerts.config import AlertsConfig
from hub.cases.config import CasesConfig
from hub.config_base import Strict
from hub.county.config import CountyLink
from hub.dispatch.config import DispatchConfig
from hub.gridwork.config import GridworkConfig, gridwork_problems
from hub.register.config import RegisterConfig

Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
Phone = Annotated[str, StringConstraints(pattern=r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")]
AdminCode = Annotated[str, StringConstraints(pattern=r"^\d{12}$")]
Lon = Annotated[float, Field(ge=73.0, le=136.0, description="longitude, WGS-84")]
Lat = Annotated[float, Field(ge=3.0, le=54.0, description="latitude, WGS-84")]
Point = tuple[Lon, Lat]


def _known_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (e.g. Asia/Shanghai)") from None
    return name


TimeZoneName = Annotated[str, AfterValidator(_known_timezone)]


class Contact(Strict):
    name: str = Field(min_length=1, description="person's name")
    phone: Phone = Field(description="mobile (11 digits) or landline with area code")


class Grid(Strict):
    id: Id
    name: str = Field(min_length=1)
    polygon: list[Point] = Field(min_length=3, description="boundary, WGS-84 lon/lat")
    worker: Contact = Field(description="the grid worker (网格员)")
    wechat_group: str = Field(min_length=1, description="name of the grid's WeChat group")
    households: int | None = Field(default=None, ge=0)


class VillageKind(StrEnum):
    VILLAGE = "village"
    COMMUNITY = "community"


class Village(Strict):
    id: Id
    name: str = Field(min_length=1)
    kind: VillageKind = VillageKind.VILLAGE
    admin_code: AdminCode = Field(description="12-digit administrative area code")
    cadre: Contact = Field(description="the village (community) cadre on duty")
    population: int | None = Field(default=None, ge=0)
    grids: list[Grid] = Field(min_length=1)


class DeviceKind(StrEnum):
    RIVER_STATION = "river_station"
    RAIN_GAUGE = "rain_gauge"
    WATER_QUALITY = "water_quality"
    CAMERA = "camera"
    SPEAKER = "speaker"
    GATEWAY = "gateway"


class Availability(Strict):
    """How a device announces itself on- or offline (typically its MQTT last will)."""

    topic: str = Field(min_length=1)
    online: str = Field(default="online", description="payload meaning online")
    offline: str = Field(default="offline", description="payload meaning offline")


class RiverLevels(Strict):
    """Flood-control levels of a river station, metres above the station datum."""

    warning_level: float = Field(description="警戒水位")
    guarantee_level: float = Field(description="保证水位")


class Device(Strict):
    id: Id
    name: str = Field(min_length=1)
    kind: DeviceKind
    adapter: str = Field(min_length=1, description="adapter that decodes its messages, e.g. json")
    profile: str | None = Field(default=None, description="adapter's payload profile, e.g. vendor-a")
    topic: str | None = Field(default=None, description="MQTT topic it publishes on")
    address: str | None = Field(default=None, description="vendor serial, MN code, URL or IP")
    location: Point
    grid: Id
    availability: Availability | None = None
    offline_after_s: float | None = Field(default=None, gt=0, description="override of the kind's silence limit")
    levels: RiverLevels | None = None
    basin: str | None = Field(default=None, description="river basin (流域) it watches; rules combine per basin")


class TeamKind(StrEnum):
    PATROL = "patrol"
    SERVICE = "service"


class Member(Contact):
    role: str = Field(default="队员")


class Team(Strict):
    id: Id
    name: str = Field(min_length=1)
    kind: TeamKind = TeamKind.PATROL
    base_grid: Id
    members: list[Member] = Field(min_length=1)


class RainfallLevels(Strict):
    """Accumulated rainfall (mm) for blue, yellow, orange and red, per window."""

    h1: tuple[float, float, float, float]
    h3: tuple[float, float, float, float]
    h6: tuple[float, float, float, float]
    h24: tuple[float, float, float, float]


def _default_offline_after() -> dict[DeviceKind, float]:
    return {DeviceKind.RIVER_STATION: 900, DeviceKind.RAIN_GAUGE: 900, DeviceKind.WATER_QUALITY: 1800,
            DeviceKind.CAMERA: 120, DeviceKind.SPEAKER: 600, DeviceKind.GATEWAY: 300}


class Thresholds(Strict):
    offline_after_s: dict[DeviceKind, float] = Field(default_factory=_default_offline_after,
                                                     description="silence before a device counts as offline")
    rainfall_mm: RainfallLevels | None = None


class TownInfo(Strict):
    id: Id
    name: str = Field(min_length=1)
    admin_code: AdminCode
    timezone: TimeZoneName = "Asia/Shanghai"
    center: Point


class Town(Strict):
    """A whole town file."""

    town: TownInfo
    villages: list[Village] = Field(min_length=1)
    devices: list[Device] = Field(default_factory=list)
    teams: list[Team] = Field(default_factory=list)
    thresholds: Thresholds = Field(default_factory=Thresholds)
    alerts: AlertsConfig = Field(default_factory=AlertsConfig, description="rules, escalation, notifiers")
    dispatch: DispatchConfig = Field(default_factory=DispatchConfig, description="patrol dispatch timers, ETAs")
    cases: CasesConfig = Field(default_factory=CasesConfig, description="case categories, time limits, calendar")
    register_access: RegisterConfig = Field(default_factory=RegisterConfig, alias="register",
                                           description="who reads the register in full")
    gridwork: GridworkConfig = Field(default_factory=GridworkConfig, description="checklists, visit days")
    adapters: dict[str, Any] = Field(default_factory=dict, description="per-adapter sections")
    county: CountyLink | None = Field(default=None, description="the link to the county hub; none: the town alone")

    def grids(self) -> dict[str, Grid]:
        return {g.id: g for v in self.villages for g in v.grids}

    def device_map(self) -> dict[str, Device]:
        return {d.id: d for d in self.devices}

    def village_of(self, grid: str) -> Village | None:
        return next((v for v in self.villages if any(g.id == grid for g in v.grids)), None)

    def offline_after(self, device: Device) -> float:
        if device.offline_after_s is not None:
            return device.offline_after_s
        return self.thresholds.offline_after_s.get(device.kind, 900.0)


Problem = tuple[tuple[str | int, ...], str]


def reference_problems(town: Town) -> list[Problem]:
    """Cross-references pydantic cannot see: unique ids, known grids."""
    problems: list[Problem] = []
    seen_ids: set[str] = set()
    for key, ident in _all_ids(town):
        if ident in seen_ids:
            problems.append((key, f"duplicate id {ident!r}"))
        seen_ids.add(ident)
    grids = town.grids()
    for i, device in enumerate(town.devices):
        if device.grid not in grids:
            problems.append((("devices", i, "grid"), f"unknown grid {device.grid!r}"))
        levels = device.levels
        if levels is not None and levels.guarantee_level <= levels.warning_level:
            problems.append((("devices", i, "levels"), "guarantee_level must be above warning_level"))
    for i, team in enumerate(town.teams):
        if team.base_grid not in grids:
            problems.append((("teams", i, "base_grid"), f"unknown grid {team.base_grid!r}"))
    return problems + gridwork_problems(town.gridwork, set(grids), set(town.cases.category_map()))


def _all_ids(town: Town) -> list[tuple[tuple[str | int, ...], str]]:
    ids: list[tuple[tuple[str | int, ...], str]] = []
    for vi, village in enumerate(town.villages):
        ids.append((("villages", vi, "id"), village.id))
        ids += [(("villages", vi, "grids", gi, "id"), g.id) for gi, g in enumerate(village.grids)]
    ids += [(("devices", i, "id"), d.id) for i, d in enumerate(town.devices)]
    ids += [(("teams", i, "id"), t.id) for i, t in enumerate(town.teams)]
    return ids


def place_name(*names: str) -> str:
    """Names from the widest to the narrowest, each said once: a grid's name usually begins with its village's
    (石门村第一网格), so "石门村 石门村第一网格" reads as "石门村第一网格"."""
    kept = [n for i, n in enumerate(names) if n and not any(n in later for later in names[i + 1:])]
    return " ".join(kept)
