"""The API's documentation page at /api/docs: Swagger UI served by the hub itself, so it opens on a closed network.

FastAPI's own page loads Swagger UI from a CDN; this one points at /vendor/swagger-ui/ (swagger-ui-dist from
npm, pinned in web/package.json) and turns off the online validator badge, so no request leaves the hub.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse

docs_router = APIRouter(include_in_schema=False)
SWAGGER = "/vendor/swagger-ui"
OAUTH2_REDIRECT = "/docs/oauth2-redirect"


@docs_router.get("/api/docs")
async def api_docs() -> HTMLResponse:
    """Swagger UI over /openapi.json, every asset from the hub."""
    return get_swagger_ui_html(openapi_url="/openapi.json", title="gridhub API",
                               swagger_js_url=f"{SWAGGER}/swagger-ui-bundle.js",
                               swagger_css_url=f"{SWAGGER}/swagger-ui.css",
                               swagger_favicon_url=f"{SWAGGER}/favicon-32x32.png",
                               oauth2_redirect_url=OAUTH2_REDIRECT, swagger_ui_parameters={"validatorUrl": None})


@docs_router.get(OAUTH2_REDIRECT)
async def oauth2_redirect() -> HTMLResponse:
    """Where Swagger UI's "Authorize" comes back to: the page FastAPI serves beside its own docs."""
    return get_swagger_ui_oauth2_redirect_html()
