"""The county file (towns, river basins, the link's address) and a town file's link to its county."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import Field, StringConstraints

from hub.cases.config import Open311
from hub.config_base import Strict
from hub.configfile import ConfigError, read_yaml, validate

Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
AdminCode = Annotated[str, StringConstraints(pattern=r"^\d{12}$")]
Lon = Annotated[float, Field(ge=73.0, le=136.0, description="longitude, WGS-84")]
Lat = Annotated[float, Field(ge=3.0, le=54.0, description="latitude, WGS-84")]
Problem = tuple[tuple[str | int, ...], str]


class Stream(StrEnum):
    """What a town sends up, each in its own ordered stream."""

    ALERTS = "alerts"  # every transition of every alert
    CASES = "cases"  # every step of every case, with its state and time limit
    SUMMARY = "summary"  # the KPIs and device health, every summary_every_s
    DIRECTIVES = "directives"  # the town's acknowledgements of the county's directives: always sent
    COUNTY_CASES = "county_cases"  # the town's answers to cases the county routed to it, and their steps: always
    BROADCASTS = "broadcasts"  # the town's answers to the county's broadcast requests, and their outcome: always


class CountyLink(Strict):
    """A town file's `county:` section: where its county hub is, and the credentials the county CA issued."""

    url: str = Field(pattern=r"^https://[^/]+/?$", description="the county hub's link address, https://host:port")
    ca_file: Path = Field(description="the county CA's certificate (county-ca.pem), to trust the county hub")
    cert_file: Path = Field(description="this town's client certificate, issued by `gridhub county issue-cert`")
    key_file: Path = Field(description="its private key")
    send: tuple[Stream, ...] = Field(default=(Stream.ALERTS, Stream.CASES, Stream.SUMMARY),
                                     description="what this town sends up: alerts, cases, summary")
    summary_every_s: float = Field(default=60.0, ge=1, le=3600, description="how often the KPI summary goes up")
    batch: int = Field(default=200, ge=1, le=1000, description="most messages in one request")
    poll_s: float = Field(default=15.0, gt=0, le=600, description="with nothing to send, how often the town "
                          "asks the county for news (directives): the county also sees the link is up")
    retry_max_s: float = Field(default=10.0, gt=0, le=600, description="longest wait between tries while the "
                               "county is unreachable")


class CountyInfo(Strict):
    id: Id
    name: str = Field(min_length=1, description="e.g. 清江县")
    admin_code: AdminCode = Field(description="12-digit administrative area code")
    timezone: str = Field(default="Asia/Shanghai", description="the county's time zone")


class LinkListen(Strict):
    """Where the county hub takes its towns' links (HTTPS, client certificates required)."""

    host: str = Field(default="0.0.0.0", description="address to listen on")
    port: int = Field(default=8443, ge=0, le=65535, description="0: any free port")
    hosts: tuple[str, ...] = Field(default=(), description="names and addresses the towns reach the county at, "
                                   "for its server certificate (loopback and the machine's name are added)")


class CountyTown(Strict):
    """One town of the county: its id is also the name its client certificate carries."""

    id: Id = Field(description="the town file's town.id, and its certificate's common name")
    name: str = Field(min_length=1)
    admin_code: AdminCode
    center: tuple[Lon, Lat] = Field(description="where the town's name and marker sit on the county screen's map")
    outline: tuple[tuple[Lon, Lat], ...] | None = Field(
        default=None, min_length=3, description="the town's boundary, WGS-84 [lon, lat] points, drawn on the county "
        "screen's map in the colour of its worst open alert; none: a marker at its center")


class Reach(Strict):
    """One town along a river, with the water's travel time from the town above it."""

    town: Id
    travel_min: float | None = Field(default=None, gt=0, le=7 * 24 * 60,
                                     description="minutes the water takes from the town above; none for the first")


class Basin(Strict):
    name: str = Field(min_length=1, description="the river, e.g. 清溪河")
    reaches: list[Reach] = Field(min_length=2, description="its towns from upstream to downstream")


class Linkage(Strict):
    """Linkage along the rivers: which alerts of an upstream town warn the towns below it (上游来水)."""

    rules: tuple[str, ...] = Field(default=("river-rise", "flood-risk"), description="ids of the town rules whose "
                                   "alerts, on a station of a river the county knows, warn the towns downstream")


class Intake(Strict):
    """The county's intake (受理): Open311 GeoReport v2 on its view, for the 12345 hotline and other systems."""

    open311: Open311 = Field(default_factory=Open311, description="api_keys (their SHA-256) of the clients that "
                             "file requests, jurisdiction_id (default: the county's id), realtime or batch")


class County(Strict):
    """A whole county file."""

    county: CountyInfo
    link: LinkListen = Field(default_factory=LinkListen)
    linkage: Linkage = Field(default_factory=Linkage)
    intake: Intake = Field(default_factory=Intake)
    towns: list[CountyTown] = Field(min_length=1)
    basins: list[Basin] = Field(default_factory=list)

    def town_map(self) -> dict[str, CountyTown]:
        return {t.id: t for t in self.towns}


def county_problems(county: County) -> list[Problem]:
    """What pydantic cannot see: unique towns, known towns along the rivers, travel times after the first."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for i, town in enumerate(county.towns):
        if town.id in seen:
            problems.append((("towns", i, "id"), f"duplicate town {town.id!r}"))
        seen.add(town.id)
        if town.outline is not None and not inside(town.center, town.outline):
            problems.append((("towns", i, "center"), "not inside the town's outline"))
    for b, basin in enumerate(county.basins):
        along: set[str] = set()
        for r, reach in enumerate(basin.reaches):
            key = ("basins", b, "reaches", r)
            if reach.town not in seen:
                problems.append(((*key, "town"), f"unknown town {reach.town!r}; the county has: {', '.join(seen)}"))
            if reach.town in along:
                problems.append(((*key, "town"), f"town {reach.town!r} is already on {basin.name}"))
            along.add(reach.town)
            if r == 0 and reach.travel_min is not None:
                problems.append(((*key, "travel_min"), "the most upstream town has no travel time"))
            if r > 0 and reach.travel_min is None:
                problems.append(((*key, "travel_min"), "missing: minutes the water takes from the town above"))
    return problems


def inside(point: tuple[float, float], polygon: tuple[tuple[float, float], ...]) -> bool:
    """Whether *point* is inside *polygon* (even-odd rule)."""
    x, y = point
    result = False
    for (x1, y1), (x2, y2) in zip(polygon, polygon[1:] + polygon[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            result = not result
    return result


def load_county(path: Path | str) -> County:
    """Read, validate and cross-check a county file; ConfigError lists every problem with its line."""
    doc = read_yaml(path)
    county = validate(County, doc)
    problems = [doc.problem(key, reason) for key, reason in county_problems(county)]
    if problems:
        raise ConfigError(problems)
    return county


def link_problems(link: CountyLink | None) -> list[Problem]:
    """A town's link files that cannot be read: found now, not at the first send."""
    if link is None:
        return []
    return [(("county", name), f"cannot read {path}") for name, path in
            (("ca_file", link.ca_file), ("cert_file", link.cert_file), ("key_file", link.key_file))
            if not path.is_file()]
