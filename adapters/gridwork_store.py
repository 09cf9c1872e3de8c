"""Grid work on SQL: one row per record with the columns it is found by, the rest as JSON."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa

from adapters.register_store import households as register_households
from adapters.sql import SqlStore
from hub.gridwork.model import Campaign, Inspection, Target, Visit
from hub.register.store import Grids

meta = sa.MetaData()
campaigns = sa.Table(
    "gridhub_gridwork_campaigns", meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True), sa.Column("body", sa.Text, nullable=False),
)
targets = sa.Table(
    "gridhub_gridwork_targets", meta,
    sa.Column("campaign", sa.Integer, primary_key=True), sa.Column("house", sa.String(32), primary_key=True),
    sa.Column("grid", sa.String(64), nullable=False, index=True), sa.Column("body", sa.Text, nullable=False),
)
inspections = sa.Table(
    "gridhub_gridwork_inspections", meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("campaign", sa.Integer, nullable=False), sa.Column("house", sa.String(32), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Index("ix_gridhub_gridwork_inspections_house", "campaign", "house"),
)
visits = sa.Table(
    "gridhub_gridwork_visits", meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("grid", sa.String(64), nullable=False, index=True),
    sa.Column("household", sa.String(32), nullable=False, index=True),
    sa.Column("ts", sa.Float, nullable=False, index=True), sa.Column("body", sa.Text, nullable=False),
)


def _in_grids(table: sa.Table, grids: Grids) -> sa.ColumnElement[bool]:
    return sa.true() if grids is None else table.c.grid.in_(sorted(grids))


def _target_row(target: Target) -> dict[str, Any]:
    return {"campaign": target.campaign, "house": target.house, "grid": target.grid,
            "body": target.model_dump_json()}


class SqlGridworkStore(SqlStore):
    """A house's new state and the inspection behind it are written together or not at all."""

    def add_campaign(self, campaign: Campaign, houses: list[Target]) -> Campaign:
        with self.engine.begin() as conn:
            new_id = conn.execute(campaigns.insert().returning(campaigns.c.id), {"body": "{}"}).scalar_one()
            campaign = campaign.model_copy(update={"id": new_id})
            conn.execute(campaigns.update().where(campaigns.c.id == new_id).values(body=campaign.model_dump_json()))
            if houses:
                conn.execute(targets.insert(), [_target_row(t.model_copy(update={"campaign": new_id}))
                                                for t in houses])
        return campaign

    def campaigns(self) -> list[Campaign]:
        with self.engine.connect() as conn:
            return [Campaign.model_validate_json(b)
                    for b in conn.scalars(sa.select(campaigns.c.body).order_by(campaigns.c.id))]

    def campaign(self, campaign_id: int) -> Campaign | None:
        with self.engine.connect() as conn:
            body = conn.scalar(sa.select(campaigns.c.body).where(campaigns.c.id == campaign_id))
        return Campaign.model_validate_json(body) if body else None

    def targets(self, campaign_id: int, grids: Grids) -> list[Target]:
        select = sa.select(targets.c.body).where(targets.c.campaign == campaign_id, _in_grids(targets, grids))
        with self.engine.connect() as conn:
            return [Target.model_validate_json(b) for b in conn.scalars(select.order_by(targets.c.house))]

    def target(self, campaign_id: int, house: str) -> Target | None:
        select = sa.select(targets.c.body).where(targets.c.campaign == campaign_id, targets.c.house == house)
        with self.engine.connect() as conn:
            body = conn.scalar(select)
        return Target.model_validate_json(body) if body else None

    def save_target(self, target: Target, inspection: Inspection | None = None) -> Inspection | None:
        key = (targets.c.campaign == target.campaign) & (targets.c.house == target.house)
        with self.engine.begin() as conn:
            if inspection is not None:
                new_id = conn.execute(inspections.insert().returning(inspections.c.id),
                                      {"campaign": target.campaign, "house": target.house,
                                       "body": "{}"}).scalar_one()
                inspection = inspection.model_copy(update={"id": new_id})
                conn.execute(inspections.update().where(inspections.c.id == new_id)
                             .values(body=inspection.model_dump_json()))
            conn.execute(targets.update().where(key).values(body=target.model_dump_json()))
        return inspection

    def inspections(self, campaign_id: int, house: str) -> list[Inspection]:
        select = sa.select(inspections.c.body).where(inspections.c.campaign == campaign_id,
                                                     inspections.c.house == house).order_by(inspections.c.id)
        with self.engine.connect() as conn:
            return [Inspection.model_validate_json(b) for b in conn.scalars(select)]

    def add_visit(self, visit: Visit) -> Visit:
        with self.engine.begin() as conn:
            new_id = conn.execute(visits.insert().returning(visits.c.id), _visit_row(visit)).scalar_one()
            visit = visit.model_copy(update={"id": new_id})
            conn.execute(visits.update().where(visits.c.id == new_id).values(body=visit.model_dump_json()))
        return visit

    def save_visit(self, visit: Visit) -> None:
        with self.engine.begin() as conn:
            conn.execute(visits.update().where(visits.c.id == visit.id).values(**_visit_row(visit)))

    def visit(self, visit_id: int) -> Visit | None:
        with self.engine.connect() as conn:
            body = conn.scalar(sa.select(visits.c.body).where(visits.c.id == visit_id))
        return Visit.model_validate_json(body) if body else None

    def visits(self, grids: Grids, since: float, limit: int) -> list[Visit]:
        select = sa.select(visits.c.body).where(_in_grids(visits, grids), visits.c.ts >= since)
        with self.engine.connect() as conn:
            bodies = conn.scalars(select.order_by(visits.c.ts.desc(), visits.c.id.desc()).limit(limit))
            return [Visit.model_validate_json(b) for b in bodies]

    def visited(self, grids: Grids, since: float) -> dict[str, set[str]]:
        select = sa.select(visits.c.grid, visits.c.household).distinct().where(_in_grids(visits, grids),
                                                                               visits.c.ts >= since)
        found: dict[str, set[str]] = defaultdict(set)
        with self.engine.connect() as conn:
            for grid, household in conn.execute(select):
                found[grid].add(household)
        return found

    def households(self, grids: Grids) -> dict[str, list[str]]:
        table = register_households
        select = sa.select(table.c.grid, table.c.number).where(_in_grids(table, grids)).order_by(table.c.number)
        found: dict[str, list[str]] = defaultdict(list)
        with self.engine.connect() as conn:
            for grid, number in conn.execute(select):
                found[grid].append(number)
        return found


def _visit_row(visit: Visit) -> dict[str, Any]:
    return {"grid": visit.grid, "household": visit.household, "ts": visit.ts, "body": visit.model_dump_json()}
