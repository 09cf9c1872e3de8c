"""The TCP server SL 651 stations dial in to: the stations' server (adapters.station_server) with SL 651 sessions."""

from __future__ import annotations

from adapters.sl651.config import Sl651Config
from adapters.sl651.session import Session, StationBook
from adapters.station_links import StationLinks
from adapters.station_server import StationTcpService
from hub.context import HubContext


def sl651_server(ctx: HubContext, config: Sl651Config, links: StationLinks | None = None) -> StationTcpService:
    """Accepts SL 651 station connections and turns their frames into batches for the hub."""
    book = StationBook(ctx.town, config, links=links)
    return StationTcpService(ctx, "sl651", "SL 651", config, config.listen, lambda source: Session(book, source),
                             len(book.by_address), links)
