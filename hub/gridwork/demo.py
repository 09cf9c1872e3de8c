"""The sample town's self-built-house campaign in progress: the same houses, answers and hazards for the same seed.

About two houses in five inspected, a few ordinary hazards (some ordered, two put right), one major (a case).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from hub.gridwork.config import Checklist
from hub.gridwork.model import CampaignFields, Grade, InspectionFields, OrderFields, Target
from hub.gridwork.service import GridworkService
from hub.users.model import Principal, Role

DEMO_CAMPAIGN = "2026 经营性自建房安全隐患排查"
DEMO = Principal("demo", "演示数据", Role.officer)
SEED = 2026


def answers(checklist: Checklist, grade: Grade, photo: str, rng: random.Random) -> InspectionFields:
    """Safe answers, or one hazard answer per hazard; a photo wherever the checklist asks for one."""
    chosen = {i.id: i.answers[0] for i in checklist.items}
    if grade is not Grade.none:
        for item in rng.sample([i for i in checklist.items if i.hazard], 1 if grade is Grade.ordinary else 2):
            chosen[item.id] = item.hazard[-1]
    return InspectionFields(answers=chosen, photos={i.id: (photo,) for i in checklist.items if i.photo},
                            grade=grade, note="演示数据")


async def demo_campaign(service: GridworkService, photo: str, stopping: Callable[[], bool]) -> int | None:
    """Start the campaign and work part of it, unless it exists; its id, or None when it already did.

    A stop cuts the work short after the house it is on (the demo's campaign is then left part done)."""
    campaigns = service.campaigns
    if any(c.name == DEMO_CAMPAIGN for c in campaigns.store.campaigns()):
        return None
    today = service.parts.today()
    campaign = campaigns.start(DEMO, CampaignFields(name=DEMO_CAMPAIGN, checklist="selfbuilt",
                                                    due=today + dt.timedelta(days=45)))
    checklist = campaigns.checklist(campaign.id)
    rng = random.Random(SEED)
    chosen = [t for t in campaigns.houses(DEMO, campaign.id) if rng.random() < 0.4]
    for index, target in enumerate(chosen):
        if stopping():
            break
        grade = Grade.major if index == 0 else Grade.ordinary if rng.random() < 0.06 else Grade.none
        await campaigns.inspect(DEMO, campaign.id, target.house, answers(checklist, grade, photo, rng))
        if grade is Grade.ordinary and rng.random() < 0.6:
            await _rectify(service, campaign.id, target, today, rng, photo)
    return campaign.id


async def _rectify(service: GridworkService, campaign_id: int, target: Target, today: dt.date,
                   rng: random.Random, photo: str) -> None:
    """An order, and for about a third a re-inspection that closes it."""
    campaigns = service.campaigns
    await campaigns.order(DEMO, campaign_id, target.house, OrderFields(
        responsible=target.owner, deadline=today + dt.timedelta(days=rng.randint(0, 20)), measures="限期整改"))
    if rng.random() < 0.35:
        checklist = campaigns.checklist(campaign_id)
        await campaigns.inspect(DEMO, campaign_id, target.house, answers(checklist, Grade.none, photo, rng))
