"""Work the county sends down: its cases routed to towns and its broadcast requests, numbered per town and stream;
the county's cases with their steps; and a town's side of both."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_county_work"
down_revision = "0009_county_outbox"
branch_labels = None
depends_on = None

PREFIX = "gridhub_county_"


def upgrade() -> None:
    op.create_table(
        PREFIX + "down",
        sa.Column("town", sa.String(length=64), nullable=False),
        sa.Column("stream", sa.String(length=16), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("town", "stream", "seq"),
    )
    op.create_table(
        PREFIX + "intake",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("town", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        PREFIX + "intake_steps",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "seq"),
    )
    op.create_table(
        PREFIX + "broadcasts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("town", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_gridhub_county_broadcasts_town"), PREFIX + "broadcasts", ["town"], unique=False)
    op.create_table(
        PREFIX + "down_in",
        sa.Column("stream", sa.String(length=16), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("stream", "seq"),
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_gridhub_county_broadcasts_town"), table_name=PREFIX + "broadcasts")
    for name in ("down_in", "broadcasts", "intake_steps", "intake", "down"):
        op.drop_table(PREFIX + name)
