"""Video dispatch in the console: the call routes, the call feed, the call socket and the call page."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from console.call_feed import CallFeed, call_feed_router
from console.call_socket import call_socket_router
from console.calls import calls_router
from console.deps import Ctx
from hub.context import HubContext

PAGE = Path(__file__).parent / "static" / "call"


def add_calls(app: FastAPI, ctx: HubContext) -> None:
    app.state.call_feed = CallFeed(ctx)
    app.include_router(calls_router)
    app.include_router(call_feed_router)
    app.include_router(call_socket_router)
    app.mount("/call", StaticFiles(directory=PAGE, html=True), name="call")
    app.get("/tls/town-ca.crt", include_in_schema=False)(town_ca)


async def town_ca(ctx: Ctx) -> FileResponse:
    """The town CA's certificate, for village PCs and phones to trust before their first call (no sign-in: it is
    public; compare its fingerprint with the one the hub logs before trusting it)."""
    path = ctx.settings.data_dir / "tls" / "town-ca.pem"
    if ctx.settings.https is None or ctx.settings.https.cert_file is not None or not path.exists():
        raise HTTPException(404, "this hub serves no certificate of its own town CA")
    return FileResponse(path, media_type="application/x-x509-ca-cert", filename="gridhub-town-ca.crt")
