"""Row versions on alerts and cases, and ids handed out by the database.

Every alert and case row gets a version, so that a write based on a stale one fails instead of overwriting
(another leader's work). Alert ids, alert transition numbers, case ids, case trail numbers and delivery ids
(as text, in the delivery logs) come from
sequences on PostgreSQL and from the counters of gridhub_ids on SQLite (which has no sequences), each started
past the highest number in use, so that a new leader never hands out one again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# counter name → (table, column) whose highest value it starts past
COUNTERS = {"alert": ("gridhub_alerts", "id"), "alert_seq": ("gridhub_alert_transitions", "seq"),
            "case": ("gridhub_cases", "id"), "case_seq": ("gridhub_case_log", "seq")}
NEW_COUNTERS = ("delivery",)  # delivery ids were random until now: numbers start at 1, apart from them


def upgrade() -> None:
    """Add what the database lacks (one made before versions with today's create_all has the columns already)."""
    seen = sa.inspect(op.get_bind())
    for table in ("gridhub_alerts", "gridhub_cases"):
        if "version" not in {c["name"] for c in seen.get_columns(table)}:
            with op.batch_alter_table(table) as batch:
                batch.add_column(sa.Column("version", sa.Integer(), server_default="0", nullable=False))
    ids = op.create_table(
        "gridhub_ids",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("next_value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    bind = op.get_bind()
    starts = {name: int(bind.execute(sa.text(f"SELECT coalesce(max({column}), 0) + 1 FROM {table}")).scalar_one())
              for name, (table, column) in COUNTERS.items()}
    starts |= {name: 1 for name in NEW_COUNTERS}
    op.bulk_insert(ids, [{"name": name, "next_value": start} for name, start in starts.items()])
    if bind.dialect.name == "postgresql":
        for name, start in starts.items():
            op.execute(f"CREATE SEQUENCE gridhub_{name}_ids START WITH {start}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in (*COUNTERS, *NEW_COUNTERS):
            op.execute(f"DROP SEQUENCE gridhub_{name}_ids")
    op.drop_table("gridhub_ids")
    for table in ("gridhub_alerts", "gridhub_cases"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("version")
