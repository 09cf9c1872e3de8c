"""The TCP server HJ 212 stations dial in to: the stations' server (adapters.station_server) with HJ 212 sessions."""

from __future__ import annotations

from adapters.hj212.config import Hj212Config, Listen
from adapters.hj212.session import Session, StationBook
from adapters.station_links import StationLinks
from adapters.station_server import StationTcpService
from hub.context import HubContext


def hj212_server(ctx: HubContext, config: Hj212Config, listen: Listen,
                 links: StationLinks | None = None) -> StationTcpService:
    """Accepts HJ 212 station connections and turns their frames into batches for the hub."""
    book = StationBook(ctx.town, config, links)
    return StationTcpService(ctx, "hj212", "HJ 212", config, listen, lambda source: Session(book, source),
                             len(book.by_mn), links)
