"""What the big screen's routes return: the town map as GeoJSON, the KPIs, the screen's setup."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from console.config import Tiles
from console.users.schemas import Me
from hub.alerts.model import Severity

Position = tuple[float, float]  # GeoJSON order: longitude, latitude


class Contact(BaseModel):
    name: str
    phone: str


class PolygonGeometry(BaseModel):
    type: Literal["Polygon"] = "Polygon"
    coordinates: list[list[Position]] = Field(description="one closed ring, WGS-84")


class PointGeometry(BaseModel):
    type: Literal["Point"] = "Point"
    coordinates: Position


class GridProperties(BaseModel):
    layer: Literal["grid"] = "grid"
    name: str
    village: str
    village_name: str
    worker: Contact = Field(description="the grid worker (网格员)")
    cadre: Contact = Field(description="the village cadre on duty")
    wechat_group: str
    households: int | None
    severity: Severity | None = Field(description="the worst open alert of the grid or its village; None: calm")
    open_alerts: int


class GridFeature(BaseModel):
    type: Literal["Feature"] = "Feature"
    id: str
    geometry: PolygonGeometry
    properties: GridProperties


class Levels(BaseModel):
    warning_level: float = Field(description="警戒水位, m")
    guarantee_level: float = Field(description="保证水位, m")


class DeviceProperties(BaseModel):
    layer: Literal["device"] = "device"
    name: str
    kind: str
    grid: str
    state: str = Field(description="online, offline, unknown, unmonitored")
    state_since: datetime | None
    state_reason: str
    last_seen: datetime | None
    levels: Levels | None = Field(description="river stations' flood-control levels")
    basin: str | None = Field(description="the river basin it watches: a basin-wide alert colours its village")


class DeviceFeature(BaseModel):
    type: Literal["Feature"] = "Feature"
    id: str
    geometry: PointGeometry
    properties: DeviceProperties


class TownMap(BaseModel):
    """The grids and devices a principal may see, as one GeoJSON FeatureCollection."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    bbox: tuple[float, float, float, float] | None = Field(description="west, south, east, north of the grids")
    features: list[GridFeature | DeviceFeature]


class DeviceCount(BaseModel):
    online: int
    total: int = Field(description="devices of the kind that the hub watches (unmonitored ones left out)")
    unmonitored: int


class Kpis(BaseModel):
    """The screen's headline figures, for the principal's scope; `today` is the town's calendar day."""

    time: datetime
    alerts_today: int = Field(description="raised since the town's midnight")
    open: int = Field(description="raised, acknowledged or dispatched")
    open_by_severity: dict[Severity, int]
    acknowledged_today: int = Field(description="of today's alerts, acknowledged or dispatched")
    acknowledged_in_time: int = Field(description="of those, before their escalation limit")
    overdue: int = Field(description="today's alerts still unacknowledged past their limit")
    teams_available: int
    teams_total: int
    devices: dict[str, DeviceCount] = Field(description="by kind")


class RainfallLevels(BaseModel):
    """Rainfall (mm) for blue, yellow, orange and red over 1, 3, 6 and 24 hours."""

    h1: tuple[float, float, float, float]
    h3: tuple[float, float, float, float]
    h6: tuple[float, float, float, float]
    h24: tuple[float, float, float, float]


class HubClock(BaseModel):
    """The town's time as the hub keeps it: the wall clock, or the demo's, which replays the recent past fast."""

    now: datetime = Field(description="the hub's time when the setup was read")
    speed: float = Field(description="hub seconds per real second until it reaches real time (1: real time)")


class ScreenSetup(BaseModel):
    """What the screen needs once after sign-in."""

    user: Me
    town: str
    timezone: str
    center: Position
    tiles: Tiles | None
    rainfall_mm: RainfallLevels | None
    acknowledge_within_min: dict[Severity, float] = Field(description="escalation limit per severity")
    cameras_running: bool = Field(description="whether live tiles and snapshots can be asked for")
    clock: HubClock = Field(description="so that 'minutes ago' and chart ranges follow the hub, not the browser")


class ScreenSession(BaseModel):
    """Who is signed in to the console, if anyone: the page asks before it shows the sign-in form."""

    user: Me | None


class EventSnapshot(BaseModel):
    camera: str
    name: str = Field(description="GET /api/cameras/{camera}/snapshots/{name}")
    event: str
    detail: str
    time: datetime
