"""Grid work's routes: inspection campaigns and household visits."""

from console.gridwork.routes import gridwork_router

__all__ = ["gridwork_router"]
