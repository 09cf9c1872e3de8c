"""Where grid work is kept (adapters/gridwork_store.py on SQL): campaigns, their houses, inspections, visits."""

from __future__ import annotations

from typing import Protocol

from hub.gridwork.model import Campaign, Inspection, Target, Visit
from hub.register.store import Grids


class GridworkStore(Protocol):
    def add_campaign(self, campaign: Campaign, targets: list[Target]) -> Campaign:
        """Insert a campaign with its houses; the campaign as kept, with its id."""
        ...

    def campaigns(self) -> list[Campaign]: ...

    def campaign(self, campaign_id: int) -> Campaign | None: ...

    def targets(self, campaign_id: int, grids: Grids) -> list[Target]:
        """The campaign's houses in *grids*, by house number."""
        ...

    def target(self, campaign_id: int, house: str) -> Target | None: ...

    def save_target(self, target: Target, inspection: Inspection | None = None) -> Inspection | None:
        """Update a house of a campaign, with the inspection that changed it, in one transaction."""
        ...

    def inspections(self, campaign_id: int, house: str) -> list[Inspection]:
        """The house's inspections in this campaign, oldest first."""
        ...

    def add_visit(self, visit: Visit) -> Visit: ...

    def save_visit(self, visit: Visit) -> None: ...

    def visit(self, visit_id: int) -> Visit | None: ...

    def visits(self, grids: Grids, since: float, limit: int) -> list[Visit]:
        """Visits in *grids* from *since* on, newest first."""
        ...

    def visited(self, grids: Grids, since: float) -> dict[str, set[str]]:
        """The households visited in each grid from *since* on."""
        ...

    def households(self, grids: Grids) -> dict[str, list[str]]:
        """The register's household numbers in each grid."""
        ...

    def close(self) -> None: ...
