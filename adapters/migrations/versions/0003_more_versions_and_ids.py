"""Row versions on dispatches, broadcast jobs and calls, and their ids handed out by the database.

As revision 0002 did for alerts and cases: each of these rows gets a version, so that a write based on a stale
one fails instead of overwriting another leader's work; dispatch ids, dispatch log numbers, broadcast job ids,
call ids and call log numbers come from sequences on PostgreSQL and from counters in gridhub_ids on SQLite, each
started past the highest number in use.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

VERSIONED = ("gridhub_dispatches", "gridhub_broadcast_jobs", "gridhub_calls")
# counter name → (table, column) whose highest value it starts past
COUNTERS = {"dispatch": ("gridhub_dispatches", "id"), "dispatch_seq": ("gridhub_dispatch_log", "seq"),
            "broadcast": ("gridhub_broadcast_jobs", "id"),
            "call": ("gridhub_calls", "id"), "call_seq": ("gridhub_call_log", "seq")}


def upgrade() -> None:
    """Add what the database lacks (one made before versions with today's create_all has the columns already)."""
    bind = op.get_bind()
    seen = sa.inspect(bind)
    for table in VERSIONED:
        if "version" not in {c["name"] for c in seen.get_columns(table)}:
            with op.batch_alter_table(table) as batch:
                batch.add_column(sa.Column("version", sa.Integer(), server_default="0", nullable=False))
    starts = {name: int(bind.execute(sa.text(f"SELECT coalesce(max({column}), 0) + 1 FROM {table}")).scalar_one())
              for name, (table, column) in COUNTERS.items()}
    ids = sa.table("gridhub_ids", sa.column("name", sa.String), sa.column("next_value", sa.BigInteger))
    op.bulk_insert(ids, [{"name": name, "next_value": start} for name, start in starts.items()])
    if bind.dialect.name == "postgresql":
        for name, start in starts.items():
            op.execute(f"CREATE SEQUENCE gridhub_{name}_ids START WITH {start}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in COUNTERS:
            op.execute(f"DROP SEQUENCE gridhub_{name}_ids")
    ids = sa.table("gridhub_ids", sa.column("name", sa.String))
    op.execute(ids.delete().where(ids.c.name.in_(list(COUNTERS))))
    for table in VERSIONED:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("version")
