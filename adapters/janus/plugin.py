"""The janus plugin (entry point `janus`): video dispatch calls, their media through Janus."""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.janus.config import JanusSection
from hub.registry import Plugin

if TYPE_CHECKING:
    from hub.context import HubContext
    from hub.registry import Service


def _janus(ctx: HubContext) -> Service | None:
    from adapters.janus.service import janus_service

    section: JanusSection = ctx.sections.get("janus", JanusSection())
    return janus_service(ctx, section) if section.enabled else None


JANUS = Plugin("janus", section=JanusSection, service=_janus, order=70)  # before the console, which serves calls
