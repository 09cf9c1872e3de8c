"""The county link: a town's outbox with its per-stream sequences, what a county hub receives from its towns, and
the county's directives on both sides."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_county_outbox"
down_revision = "0008_gridwork_notices"
branch_labels = None
depends_on = None

PREFIX = "gridhub_county_"


def upgrade() -> None:
    op.create_table(
        PREFIX + "outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("stream", sa.String(length=16), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("stream", "seq", name="uq_gridhub_county_outbox_stream_seq"),
    )
    op.create_table(
        PREFIX + "sequences",
        sa.Column("stream", sa.String(length=16), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("stream"),
    )
    op.create_table(
        PREFIX + "received",
        sa.Column("town", sa.String(length=64), nullable=False),
        sa.Column("stream", sa.String(length=16), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("town", "stream"),
    )
    op.create_table(
        PREFIX + "links",
        sa.Column("town", sa.String(length=64), nullable=False),
        sa.Column("last_heard", sa.Float(), nullable=False),
        sa.Column("backlog", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("town"),
    )
    op.create_table(
        PREFIX + "alerts",
        sa.Column("town", sa.String(length=64), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("town", "alert_id"),
    )
    op.create_table(
        PREFIX + "alert_log",
        sa.Column("town", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("town", "seq"),
    )
    op.create_table(
        PREFIX + "cases",
        sa.Column("town", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("town", "case_id"),
    )
    op.create_table(
        PREFIX + "summaries",
        sa.Column("town", sa.String(length=64), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("town"),
    )
    op.create_table(
        PREFIX + "directives",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("town", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.Float(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("acked_by", sa.String(length=200), nullable=True),
        sa.Column("acked_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_gridhub_county_directives_town"), PREFIX + "directives", ["town"], unique=False)
    op.create_table(
        PREFIX + "directives_in",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    for name in ("directives_in", "directives", "summaries", "cases", "alert_log", "alerts", "links", "received",
                 "sequences", "outbox"):
        op.drop_table(PREFIX + name)
