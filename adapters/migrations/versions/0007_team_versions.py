"""Row versions on the patrol teams' states (status, since, last fix), as revision 0003 gave dispatches.

A leader that was deposed without knowing it fails its next write of a team's state instead of overwriting
what the new leader wrote there.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_team_versions"
down_revision = "0006"
branch_labels = None
depends_on = None

TABLE = "gridhub_team_states"


def upgrade() -> None:
    """Add the column unless the table has it (one made before versions with today's create_all has)."""
    if "version" in {c["name"] for c in sa.inspect(op.get_bind()).get_columns(TABLE)}:
        return
    with op.batch_alter_table(TABLE) as batch:
        batch.add_column(sa.Column("version", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_column("version")
