"""Readings → InfluxDB line protocol.

    <quantity>,device=<id>,grid=<grid>,kind=<kind>,village=<village> quality="<quality>",value=<float> <ms>

One measurement per quantity (`water_level`, `cod.avg_1h`, `hj212:w99999`), tags
from the town file (sorted, as InfluxDB prefers), millisecond timestamps.
"""

from __future__ import annotations

from collections.abc import Iterable

from hub.models import Reading
from hub.town import Town

_MEASUREMENT = str.maketrans({",": "\\,", " ": "\\ "})
_TAG = str.maketrans({",": "\\,", " ": "\\ ", "=": "\\="})


def tag_sets(town: Town) -> dict[str, str]:
    """Each device's escaped tag set, `,device=…,grid=…,kind=…,village=…`, built once."""
    village_of = {g.id: v.id for v in town.villages for g in v.grids}
    tags: dict[str, str] = {}
    for d in town.devices:
        pairs = {"device": d.id, "grid": d.grid, "kind": d.kind.value, "village": village_of.get(d.grid, "")}
        tags[d.id] = "".join(f",{k}={v.translate(_TAG)}" for k, v in sorted(pairs.items()) if v)
    return tags


def to_lines(readings: Iterable[Reading], tags: dict[str, str]) -> bytes:
    """Line protocol for *readings*, one per line, each ending in a newline."""
    out = []
    for r in readings:
        tag = tags.get(r.device) or f",device={r.device.translate(_TAG)}"
        out.append(f'{r.quantity.translate(_MEASUREMENT)}{tag} quality="{r.quality.value}",'
                   f"value={float(r.value)!r} {round(r.ts * 1000)}\n")
    return "".join(out).encode()
