"""The console's plugin declaration (entry point `console`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.config import ConsoleConfig
from hub.registry import Plugin

if TYPE_CHECKING:
    from fastapi import APIRouter

    from hub.context import HubContext
    from hub.county.config import County
    from hub.county.intake import CountyIntake
    from hub.registry import Service


def _console(ctx: HubContext) -> Service | None:
    from hub.settings import Role

    if ctx.settings.role is Role.CONSOLE:
        from console.cluster.node import ConsoleNode

        return ConsoleNode(ctx)
    from console.service import ConsoleService

    return ConsoleService(ctx)


def _county_routes(county: County, intake: CountyIntake) -> APIRouter:
    from console.county_open311 import county_open311_router

    return county_open311_router(county, intake)


CONSOLE = Plugin("console", section=ConsoleConfig, service=_console, order=80,
                 roles=frozenset({"all", "core", "console"}), county_routes=_county_routes)
