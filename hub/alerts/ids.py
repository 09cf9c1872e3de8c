"""Ids handed out by the database (alert and case ids, their trails' sequence numbers), used on the loop.

The books number what they make synchronously, so a few numbers are kept in hand, reserved ahead off the loop
(`top_up`); the database never hands a number out twice, so a new leader cannot reuse one the old one had.
A burst beyond what is in hand reserves on the spot, in the caller's thread.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable

log = logging.getLogger(__name__)
Reserve = Callable[[int], list[int]]


class Ids:
    """Numbers of one counter: *spare* kept in hand; `last` is the newest one taken (or stored, at the start)."""

    def __init__(self, reserve: Reserve, spare: int, last: int = 0) -> None:
        self._reserve = reserve
        self._spare = spare
        self._free: deque[int] = deque()
        self._topping_up = False
        self.last = last

    @classmethod
    def counting(cls, last: int = 0) -> Ids:
        """Numbers counted on from *last* in memory: for a book without a database (pure tests)."""
        following = [last]

        def reserve(count: int) -> list[int]:
            start = following[0] + 1
            following[0] += count
            return list(range(start, start + count))

        return cls(reserve, 1, last)

    def take(self) -> int:
        if not self._free:
            log.debug("ids: none in hand, reserving %d on the spot", self._spare)
            self._free.extend(self._reserve(self._spare))
        self.last = self._free.popleft()
        return self.last

    async def top_up(self) -> None:
        """Reserve, in a thread, what is missing to have *spare* numbers in hand."""
        missing = self._spare - len(self._free)
        if missing <= 0 or self._topping_up:
            return
        self._topping_up = True
        try:
            reserved = await asyncio.to_thread(self._reserve, missing)
        finally:
            self._topping_up = False
        # A burst may have reserved newer numbers on the spot meanwhile: numbers are taken in increasing order (a
        # console resumes its feed after the last sequence number it saw), so older ones are left unused.
        self._free = deque(sorted(n for n in (*self._free, *reserved) if n > self.last))
