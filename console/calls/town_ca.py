"""The town CA's certificate, for village PCs and phones to trust before their first video call."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from console.deps import Ctx

town_ca_router = APIRouter()


@town_ca_router.get("/tls/town-ca.crt", include_in_schema=False)
async def town_ca(ctx: Ctx) -> FileResponse:
    """The town CA's certificate, for village PCs and phones to trust before their first call (no sign-in: it is
    public; compare its fingerprint with the one the hub logs before trusting it)."""
    path = ctx.settings.data_dir / "tls" / "town-ca.pem"
    if ctx.settings.https is None or ctx.settings.https.cert_file is not None or not path.exists():
        raise HTTPException(404, "this hub serves no certificate of its own town CA")
    return FileResponse(path, media_type="application/x-x509-ca-cert", filename="gridhub-town-ca.crt")
