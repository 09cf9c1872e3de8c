"""Photos uploaded from phones and desks: re-encoded as JPEG (which drops their metadata), stored once per key."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import Iterable
from pathlib import Path

import cv2
import numpy as np
from fastapi import HTTPException, Request

MAX_PHOTO_BYTES = 8 * 1024 * 1024


async def store_photo(request: Request, folder: Path, owner: str, key: str) -> str:
    """The photo id of the request's body (JPEG or PNG); the same owner and key give the same id.

    So an upload retried after a dropped connection is stored once.
    """
    data = await request.body()
    if not data or len(data) > MAX_PHOTO_BYTES:
        raise HTTPException(413 if data else 422, f"a photo is 1 byte to {MAX_PHOTO_BYTES // 2**20} MiB")
    photo_id = hashlib.sha256(f"{owner}/{key}".encode()).hexdigest()[:32]
    if not await asyncio.to_thread(_store_jpeg, data, folder / f"{photo_id}.jpg"):
        raise HTTPException(422, "not a JPEG or PNG image")
    return photo_id


def _store_jpeg(data: bytes, path: Path) -> bool:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        return False
    ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])
    tmp = path.with_suffix(f".{uuid.uuid4().hex}.tmp")
    tmp.write_bytes(jpeg.tobytes())
    tmp.replace(path)  # whole or not at all, even when two retries race
    return bool(ok)


def unknown_photo(folder: Path, photo_ids: Iterable[str]) -> str | None:
    """The first of *photo_ids* not stored in *folder* (ids are hex: anything else names no file)."""
    return next((p for p in photo_ids if not p.isalnum() or not (folder / f"{p}.jpg").is_file()), None)
