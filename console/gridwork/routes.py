"""REST under /api/gridwork: campaigns, their houses, inspections and orders; visits, schedule and coverage.

Each caller works in their scope (a grid worker their grids, a cadre their village, the centre the town); the
audit middleware records every write.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import Response

from console.auth import role_in
from console.deps import Ctx
from console.photos import store_photo, unknown_photo
from console.register.routes import KEY, refused, run
from hub.gridwork.campaigns import Assignment, HouseRecord
from hub.gridwork.config import Checklist
from hub.gridwork.model import (
    Campaign,
    CampaignFields,
    InspectionFields,
    NeedCase,
    OrderFields,
    Target,
    TargetState,
    Visit,
    VisitFields,
)
from hub.gridwork.progress import Progress, report_xlsx
from hub.gridwork.service import GridworkService
from hub.gridwork.visits import Coverage, GridSchedule
from hub.register.sheets import XLSX
from hub.users.model import Principal, Role

gridwork_router = APIRouter(tags=["gridwork"])
Worker = Annotated[Principal, role_in(Role.admin, Role.officer, Role.cadre, Role.grid_worker)]
CampaignId = Annotated[int, Path(ge=1, le=2**31 - 1)]
HouseNumber = Annotated[str, Path(pattern=KEY)]


def get_gridwork(request: Request) -> GridworkService:
    service: GridworkService | None = request.app.state.ctx.gridwork
    if service is None:
        raise HTTPException(503, "网格工作未启用：登记册未启用（未设置密钥 GRIDHUB_REGISTER_KEY）")
    return service


Gridwork = Annotated[GridworkService, Depends(get_gridwork)]


@gridwork_router.get("/api/gridwork/checklists")
async def checklists(gridwork: Gridwork, principal: Worker) -> dict[str, Checklist]:
    """The town file's inspection checklists."""
    return dict(gridwork.parts.config.checklists)


@gridwork_router.post("/api/gridwork/campaigns", status_code=201)
async def start_campaign(gridwork: Gridwork, principal: Worker, body: CampaignFields) -> Campaign:
    """Start a campaign over houses of the register (the centre only)."""
    return await run(gridwork.campaigns.start, principal, body)


@gridwork_router.get("/api/gridwork/campaigns")
async def campaigns(gridwork: Gridwork, principal: Worker) -> list[Campaign]:
    return await run(gridwork.parts.store.campaigns)


@gridwork_router.get("/api/gridwork/campaigns/{campaign_id}/assignments")
async def assignments(gridwork: Gridwork, principal: Worker, campaign_id: CampaignId) -> list[Assignment]:
    """Each grid's houses in scope and the grid workers they are assigned to."""
    return await run(gridwork.campaigns.assignments, principal, campaign_id)


@gridwork_router.get("/api/gridwork/campaigns/{campaign_id}/houses")
async def campaign_houses(gridwork: Gridwork, principal: Worker, campaign_id: CampaignId,
                          state: TargetState | None = None) -> list[Target]:
    """The campaign's houses in the caller's scope: a grid worker's list of what to inspect."""
    return await run(gridwork.campaigns.houses, principal, campaign_id, state)


@gridwork_router.get("/api/gridwork/campaigns/{campaign_id}/houses/{house}")
async def campaign_house(gridwork: Gridwork, principal: Worker, campaign_id: CampaignId,
                         house: HouseNumber) -> HouseRecord:
    """One house of the campaign with every inspection of it."""
    return await run(gridwork.campaigns.house, principal, campaign_id, house)


@gridwork_router.post("/api/gridwork/photos")
async def upload_photo(ctx: Ctx, request: Request, principal: Worker,
                       key: Annotated[str, Query(pattern=r"^[A-Za-z0-9_-]{1,64}$")]) -> dict[str, str]:
    """A photo for an inspection (JPEG or PNG as the body); the same key gives the same id, so a retry is
    stored once."""
    return {"photo": await store_photo(request, ctx.cases.photos, f"gridwork/{principal.username}", key)}


@gridwork_router.post("/api/gridwork/campaigns/{campaign_id}/houses/{house}/inspections", status_code=201)
async def inspect(ctx: Ctx, gridwork: Gridwork, principal: Worker, campaign_id: CampaignId, house: HouseNumber,
                  body: InspectionFields) -> Target:
    """Record an inspection, or the re-inspection after an order; a major hazard opens a case by itself."""
    missing = unknown_photo(ctx.cases.photos, [p for photos in body.photos.values() for p in photos])
    if missing is not None:
        raise HTTPException(422, f"照片 {missing} 未上传")
    return await refused(gridwork.campaigns.inspect(principal, campaign_id, house, body))


@gridwork_router.put("/api/gridwork/campaigns/{campaign_id}/houses/{house}/order")
async def order(gridwork: Gridwork, principal: Worker, campaign_id: CampaignId, house: HouseNumber,
                body: OrderFields) -> Target:
    """A rectification order for a house with a hazard: who puts it right and by when."""
    return await refused(gridwork.campaigns.order(principal, campaign_id, house, body))


@gridwork_router.get("/api/gridwork/campaigns/{campaign_id}/progress")
async def campaign_progress(gridwork: Gridwork, principal: Worker, campaign_id: CampaignId) -> Progress:
    """Inspected of total, hazards found and put right, overdue: by grid, village and in all, in scope."""
    return await run(gridwork.progress, principal, campaign_id)


@gridwork_router.get("/api/gridwork/campaigns/{campaign_id}/report.xlsx")
async def campaign_report(gridwork: Gridwork, principal: Worker, campaign_id: CampaignId) -> Response:
    """The progress as an XLSX for the county: a sheet by village, a sheet by grid."""
    figures = await run(gridwork.progress, principal, campaign_id)
    data = await run(report_xlsx, figures, gridwork.names())
    return Response(data, media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="campaign-{campaign_id}.xlsx"'})


@gridwork_router.post("/api/gridwork/visits", status_code=201)
async def log_visit(gridwork: Gridwork, principal: Worker, body: VisitFields) -> Visit:
    """Log a visit to a household of the caller's scope."""
    return await run(gridwork.visits.log, principal, body)


@gridwork_router.get("/api/gridwork/visits")
async def visits(gridwork: Gridwork, principal: Worker, days: Annotated[int, Query(ge=0, le=366)] = 31,
                 limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[Visit]:
    """Visits in scope over the last *days*, newest first."""
    return await run(gridwork.visits.visits, principal, days, limit)


@gridwork_router.post("/api/gridwork/visits/{visit_id}/needs/{index}/case", status_code=201)
async def need_to_case(gridwork: Gridwork, principal: Worker, visit_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
                       index: Annotated[int, Path(ge=0, le=9)], body: NeedCase) -> Visit:
    """A need raised on a visit becomes an accepted case, in one call."""
    return await refused(gridwork.visits.need_to_case(principal, visit_id, index, body))


@gridwork_router.get("/api/gridwork/visits/schedule")
async def schedule(gridwork: Gridwork, principal: Worker) -> list[GridSchedule]:
    """Each grid's visit day (周一直通车 by default), its grid workers and the households due."""
    return await run(gridwork.visits.schedule, principal)


@gridwork_router.get("/api/gridwork/visits/coverage")
async def coverage(gridwork: Gridwork, principal: Worker) -> list[Coverage]:
    """Households visited this month and this quarter, per grid in scope."""
    return await run(gridwork.visits.coverage, principal)
