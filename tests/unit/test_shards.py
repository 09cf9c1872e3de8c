"""Device shares: stable keys, every share owned once, little movement when a worker joins or leaves."""

from __future__ import annotations

from collections import Counter

from hub.shards import HJ212_KEY, ROUTES_KEY, SL651_KEY, device_key, owner_of, shard_of, wanted
from hub.town import Device, DeviceKind


def test_every_share_has_one_owner_and_the_load_is_spread() -> None:
    workers = ["w1", "w2", "w3"]
    held = [wanted(w, workers, 64) for w in workers]
    assert set().union(*held) == set(range(64))
    assert sum(len(h) for h in held) == 64
    assert min(len(h) for h in held) >= 10


def test_a_worker_leaving_moves_only_its_own_shares() -> None:
    before = {s: owner_of(s, ["w1", "w2", "w3"]) for s in range(64)}
    after = {s: owner_of(s, ["w1", "w3"]) for s in range(64)}
    moved = Counter(before[s] for s in range(64) if before[s] != after[s])
    assert set(moved) == {"w2"}


def test_shard_of_is_stable_and_within_range() -> None:
    assert shard_of("HY230101", 16) == shard_of("HY230101", 16)
    assert all(0 <= shard_of(f"d{i}", 7) < 7 for i in range(100))


def test_devices_without_a_topic_of_their_own_share_their_route() -> None:
    place = {"kind": DeviceKind.RIVER_STATION, "adapter": "json", "grid": "g1", "location": (112.0, 27.0)}
    own = Device(id="RS01", name="一号站", topic="hy/RS01/up", **place)
    routed = Device(id="RS02", name="二号站", **place)
    assert device_key(own) == "RS01"
    assert device_key(routed) == ROUTES_KEY


def test_each_protocols_tcp_stations_share_one_key_of_their_own() -> None:
    place = {"kind": DeviceKind.RIVER_STATION, "grid": "g1", "location": (112.0, 27.0)}
    sl651 = [Device(id=f"SL0{i}", name="水文站", adapter="sl651", address=f"001234560{i}", **place) for i in (1, 2)]
    hj212 = Device(id="WQ01", name="水质站", adapter="hj212", address="MN01", **place)
    assert {device_key(d) for d in sl651} == {SL651_KEY} and device_key(hj212) == HJ212_KEY != SL651_KEY
