"""What the county's console reads of the county hub's store: its towns' links, alerts, cases and figures."""

from __future__ import annotations

from typing import Any, Protocol


class CountyReader(Protocol):
    """The county hub's store, read-only (adapters/county/county_store.py)."""

    def links(self) -> dict[str, tuple[float, int]]:
        """Per town: when the county last heard it, and the backlog it said it had."""
        ...

    def alerts(self, town: str | None = None, open_only: bool = False) -> list[dict[str, Any]]:
        """Alerts as their last transition left them, newest first."""
        ...

    def alert_log(self, town: str, after: int = 0, limit: int = 1000) -> list[dict[str, Any]]:
        """*town*'s transitions in its order."""
        ...

    def cases(self, town: str | None = None) -> list[dict[str, Any]]:
        """Cases as their last step left them, newest first."""
        ...

    def summaries(self) -> dict[str, dict[str, Any]]:
        """Each town's latest figures."""
        ...
