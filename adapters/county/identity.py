"""Which town a link connection is: the common name of the client certificate TLS verified against the county CA;
and the requests refused because the body claimed another.

uvicorn does not hand the peer's certificate to the app, so its HTTP/1.1 protocol is extended to note, per open
connection, the name its certificate carries; the app looks it up by the connection's address.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections import Counter
from typing import Any

from fastapi import HTTPException
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger(__name__)

Peer = tuple[str, int]


class Refusals:
    """Requests refused, counted by certificate name and the town they claimed."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str]] = Counter()

    def add(self, cert: str, claimed: str, why: str) -> HTTPException:
        self.counts[(cert, claimed)] += 1
        log.warning("county link: refused a batch from certificate %r claiming town %r: %s", cert, claimed, why)
        return HTTPException(403, why)


class Peers:
    """The certificate name of every open link connection, by its address."""

    def __init__(self) -> None:
        self._names: dict[Peer, str] = {}

    def name_of(self, host: str, port: int) -> str | None:
        return self._names.get((host, port))

    def protocol(self) -> type[H11Protocol]:
        """uvicorn's HTTP/1.1 protocol, noting each connection's certificate name here."""
        names = self._names

        class Identified(H11Protocol):
            def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
                super().connection_made(transport)
                name = common_name(transport.get_extra_info("ssl_object"))
                if self.client is not None and name is not None:
                    names[self.client] = name

            def connection_lost(self, exc: Exception | None) -> None:
                if self.client is not None:
                    names.pop(self.client, None)
                super().connection_lost(exc)

        return Identified


def common_name(ssl_object: ssl.SSLObject | None) -> str | None:
    """The subject's common name of the verified peer certificate, if there is one."""
    cert: Any = ssl_object.getpeercert() if ssl_object is not None else None
    for rdn in (cert or {}).get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return str(value)
    return None
