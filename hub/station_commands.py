"""Commands the centre sends to telemetry stations (set the clock, ask for current data), and their log.

The TCP station edges (HJ 212, SL 651) own the connections and send the commands; the console asks for one
through `StationCommander` and shows the log. Each command is a row of the log from the moment it is sent
until its reply, refusal or timeout closes it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field


class CommandKind(StrEnum):
    QUERY = "query"  # the station's current data (SL 651 37H, HJ 212 CN=2011)
    SET_CLOCK = "set_clock"  # the station's clock to the hub's (SL 651 4AH, HJ 212 CN=1012)
    READ_CLOCK = "read_clock"  # the station's clock as it stands (SL 651 51H, HJ 212 CN=1011)


class CommandState(StrEnum):
    SENT = "sent"  # waiting for the reply
    ANSWERED = "answered"
    REFUSED = "refused"  # the station said no (HJ 212 QnRtn / ExeRtn other than 1)
    TIMED_OUT = "timed_out"
    NOT_CONNECTED = "not_connected"  # not sent: the station holds no connection to the hub now


class StationCommand(BaseModel):
    """One command and what became of it."""

    model_config = ConfigDict(frozen=True)

    id: int = Field(default=0, description="log number; 0 until stored")
    device: str
    kind: CommandKind
    protocol: str = Field(description="hj212 or sl651")
    by: str = Field(description="who asked: a username, or auto (the hub, for a drifting clock)")
    state: CommandState
    sent_at: float = Field(description="UTC epoch seconds")
    done_at: float | None = Field(default=None, description="when the reply, refusal or timeout came")
    key: str = Field(default="", description="what matches the reply: SL 651 serial number, HJ 212 QN")
    request: str = Field(default="", description="the frame sent (text, or hex for binary frames)")
    reply: str = Field(default="", description="the reply frame that closed it")
    detail: str = Field(default="", description="what the reply said, or why there was none")
    readings: int = Field(default=0, ge=0, description="readings the reply carried (a query's data)")
    station_clock: float | None = Field(default=None, description="the station's clock as its reply told it "
                                                                  "(UTC epoch seconds; clock readings)")


class StationCommander(Protocol):
    """What the console may ask of the stations' edges."""

    async def send(self, device: str, kind: CommandKind, by: str) -> StationCommand:
        """Send *kind* to *device* and wait for its reply or timeout; NOT_CONNECTED at once when it is offline."""
        ...

    async def recent(self, device: str, limit: int) -> list[StationCommand]:
        """The device's latest commands, newest first."""
        ...

    def talks_to(self, device: str) -> bool:
        """Whether *device* is a station this hub can send commands to (HJ 212 or SL 651)."""
        ...


class CommandStore(Protocol):
    """The command log's storage (blocking: call it from a thread)."""

    def add(self, command: StationCommand) -> StationCommand: ...

    def update(self, command: StationCommand) -> None: ...

    def recent(self, device: str, limit: int) -> list[StationCommand]: ...

    def get(self, command_id: int) -> StationCommand | None: ...

    def close(self) -> None: ...
