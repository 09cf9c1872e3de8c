"""Grid work: inspection campaigns with their houses and inspections, and household visits."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005_station_commands"
branch_labels = None
depends_on = None

PREFIX = "gridhub_gridwork_"


def upgrade() -> None:
    op.create_table(
        PREFIX + "campaigns",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        PREFIX + "targets",
        sa.Column("campaign", sa.Integer(), nullable=False),
        sa.Column("house", sa.String(length=32), nullable=False),
        sa.Column("grid", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("campaign", "house"),
    )
    op.create_index(op.f("ix_gridhub_gridwork_targets_grid"), PREFIX + "targets", ["grid"], unique=False)
    op.create_table(
        PREFIX + "inspections",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("campaign", sa.Integer(), nullable=False),
        sa.Column("house", sa.String(length=32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_gridhub_gridwork_inspections_house", PREFIX + "inspections", ["campaign", "house"],
                    unique=False)
    op.create_table(
        PREFIX + "visits",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("grid", sa.String(length=64), nullable=False),
        sa.Column("household", sa.String(length=32), nullable=False),
        sa.Column("ts", sa.Float(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("grid", "household", "ts"):
        op.create_index(op.f(f"ix_gridhub_gridwork_visits_{column}"), PREFIX + "visits", [column], unique=False)


def downgrade() -> None:
    for name in ("visits", "inspections", "targets", "campaigns"):
        op.drop_table(PREFIX + name)
