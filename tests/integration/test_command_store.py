"""The station command log on SQLite and PostgreSQL: a command stored when sent, closed by its reply."""

from __future__ import annotations

import pytest

from adapters.command_store import SqlCommandStore
from hub.station_commands import CommandKind, CommandState, StationCommand

pytestmark = pytest.mark.integration


def test_commands_are_numbered_closed_and_listed_newest_first_per_device(sql_url: str) -> None:
    store = SqlCommandStore(sql_url)
    try:
        sent = [store.add(StationCommand(device=device, kind=CommandKind.QUERY, protocol="sl651", by="officer",
                                         state=CommandState.SENT, sent_at=100.0 + i, key=str(i + 1)))
                for i, device in enumerate(["RS04", "RG02", "RS04"])]
        assert [c.id for c in sent] == [1, 2, 3]
        done = sent[2].model_copy(update={"state": CommandState.ANSWERED, "done_at": 104.0, "readings": 3,
                                          "reply": "7E 7E 01", "detail": "3 readings"})
        store.update(done)
        assert store.recent("RS04", 10) == [done, sent[0]]
        assert store.recent("RS04", 1) == [done]
        assert store.recent("WQ01", 10) == []
        assert store.get(done.id) == done and store.get(sent[0].id) == sent[0]
        assert store.get(99) is None
    finally:
        store.close()
