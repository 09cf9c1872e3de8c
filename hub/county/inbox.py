"""The county's rule for a batch: a message is new when its sequence is past the last its stream holds."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from hub.county.config import Stream
from hub.county.messages import LinkMessage


@dataclass
class Sorted:
    """A batch split into what to store, in order, and what the county already has."""

    fresh: list[LinkMessage] = field(default_factory=list)
    repeats: int = 0
    gaps: int = 0  # messages that skip sequences: the town lost some (a new state database); counted, kept
    last: dict[Stream, int] = field(default_factory=dict)  # per stream, the last sequence held after storing


def sort_batch(held: Mapping[Stream, int], messages: Iterable[LinkMessage]) -> Sorted:
    """Split *messages* given the last sequence *held* per stream: repeats are acknowledged, not stored again."""
    out = Sorted(last=dict(held))
    for message in messages:
        last = out.last.get(message.stream, 0)
        if message.seq <= last:
            out.repeats += 1
            continue
        if message.seq != last + 1:
            out.gaps += 1
        out.fresh.append(message)
        out.last[message.stream] = message.seq
    return out
