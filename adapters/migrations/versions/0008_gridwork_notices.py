"""Grid notices: a notice sent to the WeChat groups of grids, and its delivery to each (the outbox)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_gridwork_notices"
down_revision = "0007_team_versions"
branch_labels = None
depends_on = None

PREFIX = "gridhub_gridwork_"


def upgrade() -> None:
    op.create_table(
        PREFIX + "notices",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=80), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_table(
        PREFIX + "notice_deliveries",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("notice", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("notice", "status"):
        op.create_index(op.f(f"ix_{PREFIX}notice_deliveries_{column}"), PREFIX + "notice_deliveries", [column],
                        unique=False)


def downgrade() -> None:
    for name in ("notice_deliveries", "notices"):
        op.drop_table(PREFIX + name)
