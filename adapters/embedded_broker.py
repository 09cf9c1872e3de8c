"""The embedded MQTT broker (amqtt, pure Python) for machines with no broker of their own.

It listens on loopback only: it is for one machine running the hub and its
simulators, not for a town's devices, which should use Mosquitto or EMQX.
"""

from __future__ import annotations

import logging
import socket

from amqtt.adapters import StreamWriterAdapter
from amqtt.broker import Broker

from hub.settings import HubSettings

log = logging.getLogger(__name__)


_amqtt_close = StreamWriterAdapter.close


async def _close_even_if_peer_left(self: StreamWriterAdapter) -> None:
    # amqtt 0.12.1 drains before closing; when the client has already closed its end
    # (gmqtt does, right after DISCONNECT) drain raises and the socket is never closed.
    try:
        await _amqtt_close(self)
    except (ConnectionError, OSError):
        self._writer.close()


StreamWriterAdapter.close = _close_even_if_peer_left


def _free(port: int) -> bool:
    with socket.socket() as probe:
        # As the broker itself will: a port held only by TIME_WAIT sockets of a previous run is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class EmbeddedBroker:
    """amqtt running inside the hub's event loop."""

    name = "embedded-broker"

    def __init__(self, settings: HubSettings) -> None:
        self.port = settings.embedded_port
        self.url = f"mqtt://127.0.0.1:{self.port}"
        self._broker: Broker | None = None

    async def start(self) -> None:
        if not _free(self.port):
            raise RuntimeError(f"embedded broker: 127.0.0.1:{self.port} is in use; "
                               "set --embedded-port or point --mqtt at that broker")
        for name in ("amqtt", "transitions"):
            logging.getLogger(name).setLevel(logging.WARNING)
        self._broker = Broker({
            "listeners": {"default": {"type": "tcp", "bind": f"127.0.0.1:{self.port}"}},
            "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}},
        })
        await self._broker.start()
        log.info("embedded MQTT broker on mqtt://127.0.0.1:%d", self.port)

    async def stop(self) -> None:
        if self._broker is not None:
            await self._broker.shutdown()
            self._broker = None
