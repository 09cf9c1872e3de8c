"""Commands to telemetry stations from the console: set a station's clock, ask for its current data; their log.

Duty officers and admins send them (each one audited); whoever may see the device sees its log. A station
that holds no connection to the hub now cannot be reached (stations dial in): the command is logged as
not_connected at once, with the reason, instead of waiting for a timeout.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from console.auth import Staff, Watcher
from console.deps import Ctx
from console.scope import device_in_scope
from hub.context import HubContext
from hub.station_commands import CommandKind, StationCommand, StationCommander

station_commands_router = APIRouter()


class CommandRequest(BaseModel):
    """A command to send to a station."""

    model_config = ConfigDict(extra="forbid")

    kind: CommandKind = Field(description="query: the station's current data; set_clock: its clock to the hub's; "
                                          "read_clock: its clock as it stands")


def _commander(ctx: HubContext, device: str) -> StationCommander:
    commander = ctx.station_commands
    if commander is None:
        raise HTTPException(503, "no station edge runs in this process: commands go out from the process "
                                 "that holds the stations' connections")
    if not commander.talks_to(device):
        raise HTTPException(422, f"{device} takes no commands: only HJ 212 and SL 651 stations do")
    return commander


@station_commands_router.post("/api/devices/{device_id}/commands")
async def send_command(ctx: Ctx, principal: Staff, device_id: str, body: CommandRequest,
                       request: Request) -> StationCommand:
    """Send a command and wait for the station's reply (or the timeout); its data is stored like a report's."""
    device_in_scope(ctx, principal, device_id)
    command = await _commander(ctx, device_id).send(device_id, body.kind, principal.username)
    request.state.audit_detail = f"{body.kind.value}: {command.state.value} (command {command.id})"
    return command


@station_commands_router.get("/api/devices/{device_id}/commands")
async def list_commands(ctx: Ctx, principal: Watcher, device_id: str,
                        limit: Annotated[int, Query(ge=1, le=200)] = 20) -> list[StationCommand]:
    """The station's latest commands, newest first, with their replies or timeouts."""
    device_in_scope(ctx, principal, device_id)
    return await _commander(ctx, device_id).recent(device_id, limit)
