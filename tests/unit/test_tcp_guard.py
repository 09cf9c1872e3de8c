"""The station port's connection guard: who is let in, who gives way, and what is counted."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from adapters.tcp_guard import Admitted, ConnectionGuard, ConnectionLimits


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Port:
    """A guard with a clock the test moves, recording which connections it aborted."""

    def __init__(self, **limits: float) -> None:
        self.clock = Clock()
        self.guard = ConnectionGuard("test", ConnectionLimits.model_validate(limits), self.clock)
        self.aborted: list[str] = []

    def dial(self, address: str, name: str) -> Admitted | None:
        return self.guard.admit(address, lambda: self.aborted.append(name))


def test_past_the_per_address_limit_the_oldest_waiting_one_of_that_address_goes() -> None:
    port = Port(max_waiting_per_address=2)
    a1, a2 = port.dial("10.0.0.1", "a1"), port.dial("10.0.0.1", "a2")
    assert port.dial("10.0.0.2", "b1") is not None
    assert port.dial("10.0.0.1", "a3") is not None
    assert port.aborted == ["a1"] and port.guard.counts == {("evicted", "per_address"): 1}
    assert a1 is not None and a2 is not None
    port.guard.valid_frame(a2)  # a station's connection no longer counts against its address (a shared NAT)
    port.dial("10.0.0.1", "a4")
    assert port.aborted == ["a1"] and port.guard.held() == (3, 1)


def test_when_full_the_oldest_waiting_connection_goes_before_any_station() -> None:
    port = Port(max_connections=3)
    station = port.dial("10.0.0.9", "station")
    assert station is not None
    port.guard.valid_frame(station)
    port.dial("10.0.0.1", "w1")
    port.dial("10.0.0.2", "w2")
    port.dial("10.0.0.3", "w3")
    assert port.aborted == ["w1"] and port.guard.counts == {("evicted", "full"): 1}


def test_a_station_gives_way_only_when_it_has_been_quiet_longer_than_the_first_frame_wait() -> None:
    port = Port(max_connections=2, first_frame_s=10)
    s1, s2 = port.dial("10.0.0.1", "s1"), port.dial("10.0.0.2", "s2")
    assert s1 is not None and s2 is not None
    port.guard.valid_frame(s1)
    port.clock.now += 5
    port.guard.valid_frame(s2)
    assert port.dial("10.0.0.3", "new") is None, "every station spoke within the wait"
    port.clock.now += 6
    assert port.dial("10.0.0.3", "new") is not None
    assert port.aborted == ["s1"]
    assert port.guard.counts == {("refused", "full"): 1, ("evicted", "full"): 1}


def test_read_timeouts_first_frame_then_idle() -> None:
    port = Port(first_frame_s=10, idle_timeout_s=100)
    conn = port.dial("10.0.0.1", "c")
    assert conn is not None
    port.clock.now += 4
    assert port.guard.read_timeout(conn) == 6
    port.guard.valid_frame(conn)
    port.clock.now += 30
    assert port.guard.read_timeout(conn) == 70
    assert port.guard.timed_out(conn) == "idle"
    port.guard.release(conn)
    port.guard.release(conn)  # idempotent: an evicted connection's handler releases it again
    assert len(port.guard) == 0


def test_a_wait_is_never_longer_than_the_idle_timeout() -> None:
    port = Port(first_frame_s=60, idle_timeout_s=1)
    conn = port.dial("10.0.0.1", "c")
    assert conn is not None and port.guard.read_timeout(conn) == 1


def test_metrics_name_the_protocol_and_why() -> None:
    port = Port(max_waiting_per_address=1)
    port.dial("10.0.0.1", "a")
    port.dial("10.0.0.1", "b")
    families = {f.name: f for f in port.guard.collector().collect()}
    evicted = families["gridhub_station_connections_evicted"].samples
    assert [(s.labels, s.value) for s in evicted] == [({"protocol": "test", "why": "per_address"}, 1)]
    held = {s.labels["state"]: s.value for s in families["gridhub_station_connections"].samples}
    assert held == {"waiting": 1, "station": 0}


def test_limits_are_strict() -> None:
    with pytest.raises(ValidationError, match="max_waiting_per_adress"):
        ConnectionLimits.model_validate({"max_waiting_per_adress": 3})
    with pytest.raises(ValidationError):
        ConnectionLimits(first_frame_s=0)
