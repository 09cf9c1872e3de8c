"""The station command log on SQL through SQLAlchemy, beside the alerts in state.sqlite3 (or PostgreSQL).

A row per command, with the columns the drawer filters on and the whole record as JSON: a command is written
when it is sent and once more when its reply, refusal or timeout closes it.
"""

from __future__ import annotations

import sqlalchemy as sa

from adapters.sql import SqlStore
from hub.station_commands import StationCommand

meta = sa.MetaData()
commands = sa.Table(
    "gridhub_station_commands", meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("device", sa.String(64), nullable=False, index=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("sent_at", sa.Float, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
)


class SqlCommandStore(SqlStore):
    """CommandStore on any SQLAlchemy engine."""

    def add(self, command: StationCommand) -> StationCommand:
        with self.engine.begin() as conn:
            key = conn.execute(commands.insert().values(**_columns(command)).returning(commands.c.id)).scalar_one()
            stored = command.model_copy(update={"id": int(key)})
            conn.execute(commands.update().where(commands.c.id == stored.id).values(body=stored.model_dump_json()))
        return stored

    def update(self, command: StationCommand) -> None:
        with self.engine.begin() as conn:
            conn.execute(commands.update().where(commands.c.id == command.id).values(**_columns(command)))

    def recent(self, device: str, limit: int) -> list[StationCommand]:
        query = (sa.select(commands.c.body).where(commands.c.device == device)
                 .order_by(commands.c.id.desc()).limit(limit))
        with self.engine.connect() as conn:
            return [StationCommand.model_validate_json(body) for body in conn.execute(query).scalars()]

    def get(self, command_id: int) -> StationCommand | None:
        with self.engine.connect() as conn:
            body = conn.execute(sa.select(commands.c.body).where(commands.c.id == command_id)).scalar()
        return None if body is None else StationCommand.model_validate_json(body)


def _columns(command: StationCommand) -> dict[str, object]:
    return {"device": command.device, "kind": command.kind.value, "state": command.state.value,
            "sent_at": command.sent_at, "body": command.model_dump_json()}
