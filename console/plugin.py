"""The console's plugin declaration (entry point `console`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.config import ConsoleConfig
from hub.registry import Plugin

if TYPE_CHECKING:
    from hub.context import HubContext
    from hub.registry import Service


def _console(ctx: HubContext) -> Service | None:
    from hub.settings import Role

    if ctx.settings.role is Role.CONSOLE:
        from console.cluster.node import ConsoleNode

        return ConsoleNode(ctx)
    from console.service import ConsoleService

    return ConsoleService(ctx)


CONSOLE = Plugin("console", section=ConsoleConfig, service=_console, order=80,
                 roles=frozenset({"all", "core", "console"}))
