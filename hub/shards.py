"""How the devices of a town are split into shares (shards) that ingest workers lease, and who should hold each.

A device's share follows from the key of the subscription that brings its messages: its own id when it has a
topic of its own, else the route (a topic pattern) it arrives on, since one subscription cannot be split
between workers. Every process computes the same answer from the town file alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from hub.town import Device

ROUTES_KEY = "routes"  # devices that arrive through topic patterns (their id is in the topic or the payload)
HJ212_KEY = "hj212"  # stations that dial in over TCP: one worker listens on the station port
SL651_KEY = "sl651"  # likewise the SL 651 stations, on their own port and share
# Devices the core leader talks to itself, through the broker, wherever it runs (loudspeakers: it runs their
# broadcasts): the leader hears them, so it judges their health, and ingest workers leave them alone.
LEADER_ADAPTERS = frozenset({"speaker-mqtt"})


def _hash(*parts: str) -> int:
    return int.from_bytes(hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).digest(), "big")


def shard_of(key: str, shards: int) -> int:
    """The share of a subscription key: stable across processes and Python runs (no hash randomisation)."""
    return _hash("shard", key) % shards


def device_key(device: Device) -> str:
    """The key of the subscription that brings *device*'s messages."""
    if device.adapter == "hj212":
        return HJ212_KEY
    if device.adapter == "sl651":
        return SL651_KEY
    if device.adapter == "json" and device.topic is None:
        return ROUTES_KEY
    return device.id


def devices_of(devices: Iterable[Device], shard: int, shards: int) -> list[Device]:
    return [d for d in devices if shard_of(device_key(d), shards) == shard]


def owner_of(shard: int, workers: Sequence[str]) -> str | None:
    """The worker that should hold *shard* (rendezvous hashing: a worker joining or leaving moves only the
    shares it gains or held), or None without workers."""
    return max(workers, key=lambda w: _hash("owner", str(shard), w), default=None)


def wanted(me: str, workers: Sequence[str], shards: int) -> set[int]:
    """The shares *me* should hold while *workers* (which include *me*) are alive."""
    return {s for s in range(shards) if owner_of(s, workers) == me}
