"""The hub's typed event bus: subscribers per event type, called on the event loop.

Handlers must be quick (they run inline); one that needs to do real work puts
the event on its own bounded queue. Every subscription returns its unsubscribe.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any, TypeVar

log = logging.getLogger(__name__)
E = TypeVar("E")
Handler = Callable[[Any], None]


class Bus:
    """Publish events by type, on the event loop."""

    def __init__(self) -> None:
        self._handlers: defaultdict[type, list[Handler]] = defaultdict(list)

    def subscribe(self, kind: type[E], handler: Callable[[E], None]) -> Callable[[], None]:
        """Call *handler* with every published event of type *kind*."""
        self._handlers[kind].append(handler)

        def unsubscribe() -> None:
            if handler in self._handlers[kind]:
                self._handlers[kind].remove(handler)

        return unsubscribe

    def async_publish(self, event: object) -> None:
        """Deliver *event* now; call only on the event loop."""
        for handler in tuple(self._handlers.get(type(event), ())):
            try:
                handler(event)
            except Exception:
                log.exception("bus handler %r failed on %s", handler, type(event).__name__)
