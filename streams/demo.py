"""The demo's cameras: the sample town's cameras replaced by simulated streets, some of them in trouble."""

from __future__ import annotations

import time
from collections.abc import Sequence

from streams.sim import Behaviour, Scene, SimSource, street_movers
from streams.sources import Source, SourceSpec

DEMO_FPS = 10.0
# The riverbank cameras live through a short night; one camera is covered now and then, one freezes, one drops.
BEHAVIOURS = {"CAM07": Behaviour.NIGHT, "CAM13": Behaviour.NIGHT, "CAM16": Behaviour.NIGHT,
              "CAM04": Behaviour.COVERED, "CAM10": Behaviour.FROZEN, "CAM19": Behaviour.DROPPING}


class DemoOpener:
    """Opens a simulated source for each camera id, the same street every time it reconnects."""

    def __init__(self, cameras: Sequence[str]) -> None:
        self._started = time.monotonic()
        self._scenes = {camera: Scene(seed=i, movers=street_movers(i, people=2 + i % 3, vehicles=i % 2))
                        for i, camera in enumerate(cameras)}

    def __call__(self, spec: SourceSpec) -> Source:
        behaviour = BEHAVIOURS.get(spec.camera, Behaviour.NORMAL)
        return SimSource(self._scenes[spec.camera], behaviour, DEMO_FPS, self._started)
