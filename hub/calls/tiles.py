"""Which other participants' feeds a page receives: the centre sees everyone, a village the centre and the
villages that spoke last (so a call of many villages costs each village a few streams, not all)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from hub.calls.model import Side


@dataclass(frozen=True, slots=True)
class Feed:
    """A publisher in the room: `order` is when it started publishing, for ties."""

    id: int
    username: str
    side: Side
    order: int


def visible(viewer: str, side: Side, feeds: Iterable[Feed], spoke_at: Mapping[int, float],
            village_tiles: int) -> set[int]:
    """The feeds *viewer* (on *side*) should receive; never their own."""
    others = [f for f in feeds if f.username != viewer]
    if side is Side.CENTRE:
        return {f.id for f in others}
    centre = {f.id for f in others if f.side is Side.CENTRE}
    villages = sorted((f for f in others if f.side is Side.VILLAGE),
                      key=lambda f: (-spoke_at.get(f.id, 0.0), f.order))
    return centre | {f.id for f in villages[:village_tiles]}
