"""Grid work's routes: inspection campaigns, household visits, and notices to the grids' WeChat groups."""

from console.gridwork.notices import notices_router
from console.gridwork.routes import gridwork_router

__all__ = ["gridwork_router", "notices_router"]
