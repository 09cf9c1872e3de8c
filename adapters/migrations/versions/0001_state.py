"""The state stores' tables as they were before the schema had versions.

Alerts, dispatch, users, cases, broadcast and calls. A database made before then (each store ran create_all)
has some or all of these tables already; this revision keeps those, with their rows, and creates only the
missing ones, so such a database ends at this revision like a new one.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create each table the database lacks."""
    present = set(sa.inspect(op.get_bind()).get_table_names())
    for name, create in _TABLES.items():
        if name not in present:
            create()


def downgrade() -> None:
    """Drop every table (and with them every row)."""
    for name in reversed(_TABLES):
        op.drop_table(name)


def _indexes(table: str, *columns: str) -> None:
    for column in columns:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def _deliveries(table: str, owner: str) -> None:
    op.create_table(
        table,
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column(owner, sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    _indexes(table, owner, "status")


def _team_body(table: str) -> None:
    op.create_table(
        table,
        sa.Column("team", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("team"),
    )


def _expiring(table: str) -> None:
    op.create_table(
        table,
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("member", sa.String(length=80), nullable=False),
        sa.Column("expires", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("hash"),
    )


def _log(table: str, owner: str) -> None:
    op.create_table(
        table,
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column(owner, sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    _indexes(table, owner)


def _alerts() -> None:
    op.create_table(
        "gridhub_alerts",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("device", sa.String(length=64), nullable=True),
        sa.Column("grid", sa.String(length=64), nullable=True),
        sa.Column("village", sa.String(length=64), nullable=True),
        sa.Column("raised_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    _indexes("gridhub_alerts", "device", "grid", "raised_at", "state")


def _alert_transitions() -> None:
    op.create_table(
        "gridhub_alert_transitions",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("ts", sa.Float(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("alert", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    _indexes("gridhub_alert_transitions", "alert_id")


def _dispatches() -> None:
    op.create_table(
        "gridhub_dispatches",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("team", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    _indexes("gridhub_dispatches", "alert_id", "state", "team")


def _dispatch_log() -> None:
    op.create_table(
        "gridhub_dispatch_log",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("dispatch_id", sa.Integer(), nullable=True),
        sa.Column("team", sa.String(length=64), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    _indexes("gridhub_dispatch_log", "dispatch_id", "team")


def _action_keys() -> None:
    op.create_table(
        "gridhub_action_keys",
        sa.Column("member", sa.String(length=80), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("ts", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("member", "key"),
    )


def _users() -> None:
    op.create_table(
        "gridhub_users",
        sa.Column("username", sa.String(length=32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("username"),
    )


def _sessions() -> None:
    op.create_table(
        "gridhub_sessions",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=32), nullable=False),
        sa.Column("created", sa.Float(), nullable=False),
        sa.Column("expires", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("digest"),
    )
    _indexes("gridhub_sessions", "username")


def _audit() -> None:
    op.create_table(
        "gridhub_audit",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ts", sa.Float(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=True),
        sa.Column("action", sa.String(length=200), nullable=False),
        sa.Column("target", sa.String(length=400), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    _indexes("gridhub_audit", "ts", "username")


def _cases() -> None:
    op.create_table(
        "gridhub_cases",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("grid", sa.String(length=64), nullable=True),
        sa.Column("village", sa.String(length=64), nullable=True),
        sa.Column("lead_village", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    _indexes("gridhub_cases", "category", "created_at", "grid", "lead_village", "state", "village")


def _case_tokens() -> None:
    op.create_table(
        "gridhub_case_tokens",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("token"),
    )


def _mediations() -> None:
    op.create_table(
        "gridhub_mediations",
        sa.Column("case_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("case_id"),
    )


def _appointments() -> None:
    op.create_table(
        "gridhub_appointments",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("resource", sa.String(length=64), nullable=False),
        sa.Column("start", sa.Float(), nullable=False),
        sa.Column("end", sa.Float(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    _indexes("gridhub_appointments", "resource", "start")


def _broadcast_jobs() -> None:
    op.create_table(
        "gridhub_broadcast_jobs",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    _indexes("gridhub_broadcast_jobs", "state")


def _broadcast_receipts() -> None:
    op.create_table(
        "gridhub_broadcast_receipts",
        sa.Column("job_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("run", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("speaker", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("job_id", "run", "speaker"),
    )


def _calls() -> None:
    op.create_table(
        "gridhub_calls",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("villages", sa.Text(), nullable=False),
        sa.Column("opened_at", sa.Float(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    _indexes("gridhub_calls", "alert_id", "state")


# Every table of this revision, by the store that uses it.
_TABLES: dict[str, Callable[[], None]] = {
    "gridhub_alerts": _alerts,
    "gridhub_alert_transitions": _alert_transitions,
    "gridhub_alert_deliveries": lambda: _deliveries("gridhub_alert_deliveries", "alert_id"),
    "gridhub_dispatches": _dispatches,
    "gridhub_dispatch_log": _dispatch_log,
    "gridhub_team_states": lambda: _team_body("gridhub_team_states"),
    "gridhub_team_edits": lambda: _team_body("gridhub_team_edits"),
    "gridhub_login_codes": lambda: _expiring("gridhub_login_codes"),
    "gridhub_phone_sessions": lambda: _expiring("gridhub_phone_sessions"),
    "gridhub_action_keys": _action_keys,
    "gridhub_users": _users,
    "gridhub_sessions": _sessions,
    "gridhub_audit": _audit,
    "gridhub_cases": _cases,
    "gridhub_case_log": lambda: _log("gridhub_case_log", "case_id"),
    "gridhub_case_tokens": _case_tokens,
    "gridhub_mediations": _mediations,
    "gridhub_appointments": _appointments,
    "gridhub_case_deliveries": lambda: _deliveries("gridhub_case_deliveries", "case_id"),
    "gridhub_broadcast_jobs": _broadcast_jobs,
    "gridhub_broadcast_receipts": _broadcast_receipts,
    "gridhub_calls": _calls,
    "gridhub_call_log": lambda: _log("gridhub_call_log", "call_id"),
}
