"""The county plugin: a town's link to its county (when its file has a `county:` section), and the county hub."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.registry import Plugin

if TYPE_CHECKING:
    from hub.context import HubContext
    from hub.county.config import County
    from hub.registry import Service
    from hub.settings import HubSettings


def _town_link(ctx: HubContext) -> Service | None:
    from adapters.county.sender import CountyLinkService

    link = ctx.town.county
    return CountyLinkService(ctx, link) if link is not None else None


def _county_hub(settings: HubSettings, county: County) -> Service:
    from adapters.county.server import CountyHub
    from adapters.sql import state_url
    from hub.registry import Registry

    return CountyHub(county, state_url(settings), settings.data_dir, settings.http_host, settings.http_port,
                     Registry.discover().county_routes())


# After the state services, whose events it sends; in the process that runs them.
COUNTY = Plugin("county", service=_town_link, order=60, county_hub=_county_hub)
