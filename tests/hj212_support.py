"""Helpers for HJ 212 tests: frames of the sample town's stations."""

from __future__ import annotations

from adapters.hj212.frame import encode
from tests.support import sample_town

TOWN = sample_town().town
WQ01 = TOWN.device_map()["WQ01"]
WQ02 = TOWN.device_map()["WQ02"]
MN1, MN2 = str(WQ01.address), str(WQ02.address)
PW1, PW2 = "123456", "654321"


def segment(cn: str = "2011", cp: str = "DataTime=20261122100000;w01018-Rtd=12.5,w01018-Flag=N", *,
            mn: str = MN1, pw: str = PW1, flag: int = 5, qn: str = "20261122100000001", extra: str = "") -> str:
    return f"QN={qn};ST=21;CN={cn};PW={pw};MN={mn};Flag={flag};{extra}CP=&&{cp}&&"


def frame(*args: str, **kwargs: object) -> bytes:
    return encode(segment(*args, **kwargs))  # type: ignore[arg-type]
