"""The county's directives and notices at the town: the duty officers list them and acknowledge each one.

The acknowledgement goes up to the county on the town's link, in order, once; until the link is back it waits in
the town's outbox. A town without a county link has none.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request

from console.auth import Staff
from console.deps import Ctx
from hub.county.directives import DirectiveIn

county_router = APIRouter(tags=["county"])


@county_router.get("/api/county/directives")
async def directives(ctx: Ctx, _principal: Staff) -> list[DirectiveIn]:
    """The county's directives to this town, newest first, with who acknowledged each and when."""
    return [] if ctx.county is None else await ctx.county.directives()


@county_router.post("/api/county/directives/{directive_id}/acknowledge")
async def acknowledge(ctx: Ctx, principal: Staff, directive_id: int, request: Request) -> DirectiveIn:
    """Acknowledge a directive (签收): signed with the officer's name, sent to the county."""
    if ctx.county is None:
        raise HTTPException(404, "this town has no county link (its file has no county section)")
    try:
        acked = await ctx.county.acknowledge(directive_id, principal.actor)
    except KeyError:
        raise HTTPException(404, f"no county directive {directive_id}") from None
    request.state.audit_detail = f"county directive {directive_id}: {acked.title}"
    return acked
