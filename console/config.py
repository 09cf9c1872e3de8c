"""The town file's `adapters.console` section: what the big screen draws under the grids."""

from __future__ import annotations

from pydantic import Field

from hub.config_base import Strict


class Tiles(Strict):
    """A tile server on the town's own network (the centre has no internet); none: a plain background."""

    url: str = Field(pattern=r"^(https?://|/)[^\s]*\{z\}[^\s]*$",
                     description="Leaflet URL template with {z}, {x}, {y}, e.g. http://10.0.0.9/tiles/{z}/{x}/{y}.png")
    attribution: str = Field(default="", max_length=200, description="shown in the map's corner")
    min_zoom: int = Field(default=10, ge=0, le=22)
    max_zoom: int = Field(default=18, ge=0, le=22)


class ConsoleConfig(Strict):
    """`adapters.console` of the town file."""

    tiles: Tiles | None = Field(default=None, description="local map tiles; omit for polygons on a plain background")
