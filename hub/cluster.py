"""What the hub asks of a multi-process deployment: one leader among the core processes.

The engine behind it (PostgreSQL) is an adapter's business; the hub only campaigns, learns when it leads, and
stops at once when it no longer does, since another process may then be leading.
"""

from __future__ import annotations

import asyncio
from typing import Protocol


class Election(Protocol):
    """A campaign for the leadership of the town's state machines."""

    deposed: asyncio.Event  # set when leadership is lost (the lock's connection failed): stop acting at once

    async def campaign(self) -> None:
        """Return once this process leads; until then it is a standby."""

    async def close(self) -> None:
        """Give up the leadership (or the campaign)."""
