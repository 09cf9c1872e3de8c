"""The log of commands the centre sends to telemetry stations (set the clock, ask for current data).

Numbered 0005 and named apart, as another change may bring a 0004: whichever lands second points its
`down_revision` at the other, so that the revisions stay one line.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_station_commands"
down_revision = "0004"
branch_labels = None
depends_on = None
TABLE = "gridhub_station_commands"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("device", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("sent_at", sa.Float(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f(f"ix_{TABLE}_device"), TABLE, ["device"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f(f"ix_{TABLE}_device"), table_name=TABLE)
    op.drop_table(TABLE)
