"""A simulated station's listener, reading the hub's frames while its sender waits for the confirmations."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


async def listen(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, frames: Callable[[bytes], list[T]],
                 answer: Callable[[T], list[bytes]], passed: asyncio.Queue[T]) -> None:
    """Read the hub's frames until it hangs up: write the answers to its commands, pass on the rest."""
    while data := await reader.read(4096):
        for frame in frames(data):
            answers = answer(frame)
            if not answers:
                passed.put_nowait(frame)
                continue
            writer.writelines(answers)
            await writer.drain()


async def next_or_closed(queue: asyncio.Queue[T], listener: asyncio.Task[None]) -> T:
    """The next item the listener passed on; ConnectionResetError once it has stopped (the hub hung up)."""
    getter = asyncio.ensure_future(queue.get())
    await asyncio.wait({getter, listener}, return_when=asyncio.FIRST_COMPLETED)
    if getter.done():
        return getter.result()
    getter.cancel()
    raise ConnectionResetError("the hub closed the connection")


async def stop_listening(listener: asyncio.Task[None]) -> None:
    """Cancel the listener and wait for it; a cancellation of the caller meanwhile is not swallowed."""
    listener.cancel()
    await asyncio.wait({listener})
    if not listener.cancelled():
        listener.exception()  # retrieved: how the hub hung up is the sender's to tell
