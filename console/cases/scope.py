"""Cases as a principal may see them: in scope (404 before 403), masked unless whole, actions turned into HTTP."""

from __future__ import annotations

import time
from collections.abc import Awaitable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, HTTPException, Request
from pydantic import ValidationError

from console.auth import signed_in
from console.bounds import Id
from console.cases.schemas import CasePublic
from hub.cases.lifecycle import CaseError
from hub.cases.model import Action, Case
from hub.cases.places import CaseInputError
from hub.cases.privacy import handles, may, sees
from hub.context import HubContext
from hub.users.model import AuditEntry, Principal

T = TypeVar("T")


async def case_in_scope(ctx: HubContext, principal: Principal, case_id: int) -> Case:
    """The case, if it exists (404) and the principal may see it (403)."""
    case = await ctx.cases.get(case_id)
    if case is None:
        raise HTTPException(404, f"no case {case_id}")
    if not sees(principal, case):
        raise HTTPException(403, "outside your village")
    return case


async def allowed(ctx: HubContext, principal: Principal, case_id: int, action: Action) -> Case:
    """The case, if the principal may take *action* on it (403: not theirs to do)."""
    case = await case_in_scope(ctx, principal, case_id)
    if not may(principal, case, action):
        raise HTTPException(403, f"{action.value} is for the centre or the lead unit's village")
    return case


def acting(action: Action | None = None) -> Any:
    """A dependency giving the path's case once the caller may see it (and take *action* on it).

    As a dependency it runs before the body is validated, so another village's cadre is told 403, not 422.
    """
    async def load(request: Request, principal: Annotated[Principal, Depends(signed_in)], case_id: Id) -> Case:
        ctx: HubContext = request.app.state.ctx
        if action is None:
            return await case_in_scope(ctx, principal, case_id)
        return await allowed(ctx, principal, case_id, action)
    return Depends(load)


Seen = Annotated[Case, acting()]


def may_see_whole(principal: Principal, case: Case) -> bool:
    return handles(principal, case)


def public(ctx: HubContext, case: Case, whole: bool = False) -> CasePublic:
    category = ctx.town.cases.category_map().get(case.category)
    names = (category.name, category.english) if category else (case.category, case.category)
    return CasePublic.of(case, ctx.clock(), names, whole)


async def acted(action: Awaitable[T]) -> T:
    """Await a case action, turning refusals into HTTP errors: 404, 409 with the reason, 422 for bad input."""
    try:
        return await action
    except CaseInputError as exc:
        raise HTTPException(422, str(exc)) from None
    except ValidationError as exc:
        raise HTTPException(422, "; ".join(e["msg"] for e in exc.errors(include_url=False))) from None
    except (KeyError, LookupError) as exc:
        raise HTTPException(404, str(exc).strip("'\"")) from None
    except CaseError as exc:
        raise HTTPException(409, str(exc)) from None


async def audit_read(ctx: HubContext, request: Request, principal: Principal, what: str) -> None:
    """Note in the audit log that *principal* read personal data unmasked."""
    client = request.client
    route = getattr(request.scope.get("route"), "path", request.url.path)
    await ctx.users.record(AuditEntry(ts=time.time(), username=principal.username, role=principal.role,
                                      action=f"GET {route}", target=request.url.path, status=200,
                                      ip=client.host if client else "unknown", detail=what))
