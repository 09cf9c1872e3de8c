"""Grid work as the console reaches it: campaigns and visits, built on the register, cases and accounts."""

from __future__ import annotations

from hub.gridwork.campaigns import Campaigns
from hub.gridwork.notice_service import NoticeService
from hub.gridwork.progress import Progress, progress
from hub.gridwork.scope import Parts
from hub.gridwork.visits import Visits
from hub.users.model import Principal


class GridworkService:
    """Sync methods take real time on the store: the console calls them in worker threads."""

    def __init__(self, parts: Parts, notices: NoticeService) -> None:
        self.parts = parts
        self.campaigns = Campaigns(parts)
        self.visits = Visits(parts)
        self.notices = notices

    def progress(self, principal: Principal, campaign_id: int) -> Progress:
        """The campaign's figures in the caller's scope, today."""
        campaign = self.campaigns.campaign(campaign_id)
        return progress(campaign, self.campaigns.houses(principal, campaign_id), self.parts.today())

    def names(self) -> dict[str, str]:
        """Village and grid names by id, for reports."""
        town = self.parts.register.town
        return {v.id: v.name for v in town.villages} | {g.id: g.name for v in town.villages for g in v.grids}

    def close(self) -> None:
        self.parts.store.close()
