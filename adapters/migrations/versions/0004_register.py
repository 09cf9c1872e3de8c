"""The town's register: people, houses, households, organisations, key groups, and the history of their edits.

ID numbers and phones are kept as ciphertexts with keyed digests beside them (hub/register/crypto.py); the key
lives outside the database.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

PREFIX = "gridhub_register_"


def _indexes(table: str, *columns: str) -> None:
    for column in columns:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def _by_grid(name: str, key: str, *extra: sa.Column[object]) -> None:
    """A table of records keyed by a number, each in a grid, the rest as JSON."""
    op.create_table(
        name,
        sa.Column(key, sa.String(length=32), nullable=False),
        sa.Column("grid", sa.String(length=64), nullable=False),
        *extra,
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint(key),
    )
    _indexes(name, "grid")


def upgrade() -> None:
    people = PREFIX + "people"
    op.create_table(
        people,
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id_digest", sa.String(length=64), nullable=False),
        sa.Column("id4_digest", sa.String(length=64), nullable=False),
        sa.Column("phone_digest", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("grid", sa.String(length=64), nullable=False),
        sa.Column("household", sa.String(length=32), nullable=True),
        sa.Column("house", sa.String(length=32), nullable=True),
        sa.Column("updated", sa.Float(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("id_digest"),
    )
    _indexes(people, "id4_digest", "phone_digest", "grid", "household", "house")
    op.create_index("ix_gridhub_register_people_name", people, ["name"], postgresql_ops={"name": "text_pattern_ops"})
    _by_grid(PREFIX + "houses", "number", sa.Column("commercial_selfbuilt", sa.Boolean(), nullable=False))
    _indexes(PREFIX + "houses", "commercial_selfbuilt")
    _by_grid(PREFIX + "households", "number")
    _by_grid(PREFIX + "organisations", "code")
    key_groups = PREFIX + "key_groups"
    op.create_table(
        key_groups,
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("person", sa.Integer(), nullable=False),
        sa.Column("grid", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    _indexes(key_groups, "person", "grid")
    op.create_table(
        PREFIX + "history",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("record", sa.String(length=64), nullable=False),
        sa.Column("ts", sa.Float(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_index("ix_gridhub_register_history_record", PREFIX + "history", ["kind", "record"], unique=False)


def downgrade() -> None:
    for name in ("history", "key_groups", "organisations", "households", "houses", "people"):
        op.drop_table(PREFIX + name)
