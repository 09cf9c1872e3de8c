"""The command-centre console: FastAPI routes, live feed, pages."""
