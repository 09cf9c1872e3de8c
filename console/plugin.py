"""The console's plugin declaration (entry point `console`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.config import ConsoleConfig
from hub.registry import Plugin

if TYPE_CHECKING:
    from collections.abc import Sequence

    from fastapi import APIRouter, FastAPI
    from starlette.types import ASGIApp

    from hub.context import HubContext
    from hub.county.config import County
    from hub.county.intake import CountyIntake
    from hub.county.reader import CountyReader
    from hub.registry import Service
    from hub.users.service import UserService


def _console(ctx: HubContext) -> Service | None:
    from hub.settings import Role

    if ctx.settings.role is Role.CONSOLE:
        from console.cluster.node import ConsoleNode

        return ConsoleNode(ctx)
    from console.service import ConsoleService

    return ConsoleService(ctx)


def _county_console(county: County, view: FastAPI, reader: CountyReader, users: UserService,
                    intake: CountyIntake, public: Sequence[APIRouter]) -> ASGIApp:
    from console.county_app import county_console

    return county_console(county, view, reader, users, intake, public)


def _county_routes(county: County, intake: CountyIntake) -> APIRouter:
    from console.county_open311 import county_open311_router

    return county_open311_router(county, intake)


CONSOLE = Plugin("console", section=ConsoleConfig, service=_console, order=80,
                 roles=frozenset({"all", "core", "console"}), county_console=_county_console,
                 county_routes=_county_routes)
