"""Camera routes: newest frame, event snapshots, MJPEG per camera and one WebSocket of many live tiles.

Frames are encoded only when asked for, at the viewer's size and rate, so a
camera nobody watches costs no encoding. A viewer that reads slowly gets fewer
frames (always the newest), never a queue of old ones.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, WebSocket, WebSocketDisconnect
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from console.auth import WATCHERS, Watcher, ws_admit
from console.deps import Ctx
from console.scope import device_in_scope, sees_device
from hub.cameras import CameraFeeds
from hub.context import HubContext
from hub.users.model import Principal

cameras_router = APIRouter()
BOUNDARY = "gridhub-frame"
Width = Annotated[int | None, Query(ge=64, le=1920, description="pixels; default: the live view's")]
Fps = Annotated[float | None, Query(gt=0, le=30, description="frames per second; default: the live view's")]


class CameraSnapshots(BaseModel):
    camera: str
    snapshots: list[str] = Field(description="names, newest first: /api/cameras/{camera}/snapshots/{name}")


class TileRequest(BaseModel):
    """What a live-view client wants: sent as JSON on /ws/cameras, again whenever it changes."""

    model_config = ConfigDict(extra="forbid")

    cameras: list[str] = Field(max_length=64)
    width: int | None = Field(default=None, ge=64, le=1920)
    fps: float | None = Field(default=None, gt=0, le=30)


def _feeds(ctx: HubContext, principal: Principal, camera: str) -> CameraFeeds:
    device_in_scope(ctx, principal, camera)
    feeds = ctx.cameras
    if feeds is None:
        raise HTTPException(503, "camera analysis is not running")
    if camera not in feeds.cameras():
        raise HTTPException(404, f"no camera {camera!r}")
    return feeds


def _size(feeds: CameraFeeds, width: int | None, fps: float | None) -> tuple[int, float]:
    """Widths in steps of 16 and a capped rate, so viewers share encodings and cannot ask for too many."""
    return (width or feeds.live.width) // 16 * 16, min(fps or feeds.live.fps, feeds.live.max_fps)


@cameras_router.get("/api/cameras/{camera}/snapshot.jpg", response_class=Response)
async def latest(ctx: Ctx, principal: Watcher, camera: str, width: Width = None) -> Response:
    """The camera's newest frame as JPEG, encoded now."""
    feeds = _feeds(ctx, principal, camera)
    jpeg = await feeds.async_jpeg(camera, _size(feeds, width, None)[0])
    if jpeg is None:
        raise HTTPException(503, f"no frame from {camera} yet")
    return Response(jpeg.data, media_type="image/jpeg", headers={"Cache-Control": "no-store"})


@cameras_router.get("/api/cameras/{camera}/snapshots")
async def snapshots(ctx: Ctx, principal: Watcher, camera: str,
                    limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> CameraSnapshots:
    """The camera's event snapshots; an event's `detail.snapshot` names its own."""
    names = await _feeds(ctx, principal, camera).async_snapshots(camera, limit)
    return CameraSnapshots(camera=camera, snapshots=names)


@cameras_router.get("/api/cameras/{camera}/snapshots/{name}", response_class=Response)
async def snapshot(ctx: Ctx, principal: Watcher, camera: str, name: str) -> Response:
    """One event's snapshot (JPEG)."""
    data = await _feeds(ctx, principal, camera).async_snapshot(camera, name)
    if data is None:
        raise HTTPException(404, f"no snapshot {name!r} of {camera}")
    return Response(data, media_type="image/jpeg")


@cameras_router.get("/api/cameras/{camera}/mjpeg")
async def mjpeg(ctx: Ctx, principal: Watcher, camera: str, width: Width = None, fps: Fps = None) -> StreamingResponse:
    """Live MJPEG (multipart/x-mixed-replace), for an <img> tag or a video wall."""
    feeds = _feeds(ctx, principal, camera)
    size, rate = _size(feeds, width, fps)

    async def parts() -> AsyncIterator[bytes]:
        seq = -1
        while True:
            jpeg = await feeds.async_jpeg(camera, size)
            if jpeg is not None and jpeg.seq != seq:
                seq = jpeg.seq
                yield (f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg.data)}\r\n\r\n"
                       .encode() + jpeg.data + b"\r\n")
            await asyncio.sleep(1 / rate)

    return StreamingResponse(parts(), media_type=f"multipart/x-mixed-replace; boundary={BOUNDARY}")


@cameras_router.websocket("/ws/cameras")
async def tiles(websocket: WebSocket) -> None:
    """Many live tiles on one socket: each binary message is `<camera id>\\n<JPEG>`; text messages are errors."""
    ctx: HubContext = websocket.app.state.ctx
    principal = await ws_admit(websocket, *WATCHERS)
    if principal is None:
        return
    wanted: list[TileRequest] = [TileRequest(cameras=[])]
    sender = asyncio.create_task(_send_tiles(websocket, ctx, wanted))
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            try:
                request = TileRequest.model_validate_json(message.get("text") or message.get("bytes") or b"")
            except ValidationError as exc:
                await websocket.send_json({"type": "error", "detail": exc.errors(include_url=False)})
                continue
            if refused := [c for c in request.cameras if not sees_device(ctx, principal, c)]:
                await websocket.send_json({"type": "error", "detail": f"not yours to watch: {', '.join(refused)}"})
            wanted[0] = request.model_copy(update={"cameras": [c for c in request.cameras if c not in refused]})
    finally:
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
            await sender


async def _send_tiles(websocket: WebSocket, ctx: HubContext, wanted: list[TileRequest]) -> None:
    sent: dict[str, int] = {}
    while True:
        feeds, request = ctx.cameras, wanted[0]
        if feeds is None or not request.cameras:
            await asyncio.sleep(0.5)
            continue
        size, rate = _size(feeds, request.width, request.fps)
        known = set(feeds.cameras())
        for camera in request.cameras:
            jpeg = await feeds.async_jpeg(camera, size) if camera in known else None
            if jpeg is not None and sent.get(camera) != jpeg.seq:
                sent[camera] = jpeg.seq
                await websocket.send_bytes(camera.encode() + b"\n" + jpeg.data)
        await asyncio.sleep(1 / rate)
