"""Dependencies routes ask for by name: `ctx: Ctx` is the running hub."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from hub.context import HubContext


def get_ctx(request: Request) -> HubContext:
    ctx: HubContext = request.app.state.ctx
    return ctx


Ctx = Annotated[HubContext, Depends(get_ctx)]
