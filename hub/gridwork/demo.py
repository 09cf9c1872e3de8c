"""The sample town's self-built-house campaign in progress, and this week's visits: the same for the same seed.

About two houses in five inspected, a few ordinary hazards (some ordered, a few put right), one major (a case);
about one household in ten visited, a few with a need to follow up.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from hub.gridwork.config import Checklist
from hub.gridwork.model import CampaignFields, Grade, InspectionFields, NeedFields, OrderFields, Target, VisitFields
from hub.gridwork.service import GridworkService
from hub.users.model import Principal, Role

DEMO_CAMPAIGN = "2026 经营性自建房安全隐患排查"
DEMO = Principal("demo", "演示数据", Role.officer)
SEED = 2026
RAISED = ("身体还好，家里一切正常", "孩子在外打工，老人独居", "关心医保缴费", "反映村道路灯不亮", "询问危房改造政策")
NEEDS = ("村道路灯损坏，夜间出行不便", "门前排水沟堵塞", "申请临时救助")


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


def demo_visits(service: GridworkService, stopping: Callable[[], bool]) -> int:
    """About one household in ten visited, unless visits were logged already; how many were logged."""
    visits = service.visits
    if visits.store.visits(None, 0.0, 1):
        return 0
    rng = random.Random(SEED + 1)
    made = 0
    for numbers in visits.store.households(None).values():
        for number in numbers:
            if stopping():
                return made
            if rng.random() < 0.1:
                needs = (NeedFields(text=rng.choice(NEEDS)),) if rng.random() < 0.08 else ()
                visits.log(DEMO, VisitFields(household=number, raised=rng.choice(RAISED), needs=needs))
                made += 1
    return made
