"""The register's routes: people, houses, organisations, key groups, and the spreadsheets in and out."""

from console.register.routes import register_router

__all__ = ["register_router"]
