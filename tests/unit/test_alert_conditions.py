"""LevelTracker: several levels above and below, hysteresis and minimum duration at their exact boundaries."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hub.alerts.conditions import LevelTracker


def feed(tracker: LevelTracker, values: list[float], start: float = 0.0, step: float = 60.0) -> list[int]:
    """The tracker's level after each value, the values *step* seconds apart."""
    return [tracker.update(v, start + i * step) for i, v in enumerate(values)]


def test_levels_above_are_entered_at_the_line_and_left_below_it() -> None:
    tracker = LevelTracker((10.0, 20.0, 30.0))
    assert feed(tracker, [9.99, 10.0, 19.99, 20.0, 30.0, 35.0, 29.99, 20.0, 10.0, 9.99]) == \
        [-1, 0, 0, 1, 2, 2, 1, 1, 0, -1]


def test_levels_below_are_entered_at_the_line_and_left_above_it() -> None:
    tracker = LevelTracker((3.0, 2.0, 1.0), above=False)
    assert feed(tracker, [3.01, 3.0, 2.0, 0.5, 1.01, 2.01, 3.01]) == [-1, 0, 1, 2, 1, 0, -1]


def test_a_jump_past_several_lines_enters_the_highest_at_once() -> None:
    tracker = LevelTracker((10.0, 20.0, 30.0))
    assert tracker.update(31.0, 0.0) == 2
    assert tracker.update(5.0, 60.0) == -1


def test_hysteresis_above_holds_at_exactly_line_minus_h_and_clears_just_below() -> None:
    tracker = LevelTracker((10.0,), hysteresis=0.5)
    assert feed(tracker, [9.99, 10.0, 9.75, 9.5]) == [-1, 0, 0, 0]
    assert tracker.update(9.4999, 300.0) == -1
    assert tracker.update(9.75, 360.0) == -1, "re-entering needs the line itself, not line − h"
    assert tracker.update(10.0, 420.0) == 0


def test_hysteresis_below_holds_at_exactly_line_plus_h_and_clears_just_above() -> None:
    tracker = LevelTracker((2.0,), above=False, hysteresis=0.25)
    assert feed(tracker, [2.01, 2.0, 2.25]) == [-1, 0, 0]
    assert tracker.update(2.2501, 300.0) == -1
    assert tracker.update(2.1, 360.0) == -1


def test_hysteresis_drops_one_level_at_a_time() -> None:
    tracker = LevelTracker((10.0, 20.0), hysteresis=1.0)
    assert feed(tracker, [20.0, 19.0]) == [1, 1]
    assert feed(tracker, [18.99, 9.0], start=600) == [0, 0]
    assert tracker.update(8.99, 900.0) == -1


def test_minimum_duration_counts_from_the_first_reading_at_the_level() -> None:
    tracker = LevelTracker((10.0,), for_s=600.0)
    assert tracker.update(10.0, 1000.0) == -1
    assert tracker.update(11.0, 1599.0) == -1  # 599 s: not yet
    assert tracker.update(11.0, 1600.0) == 0  # exactly for_s: raised


def test_minimum_duration_restarts_when_the_value_falls_back() -> None:
    tracker = LevelTracker((10.0,), for_s=600.0)
    assert feed(tracker, [10.0, 12.0, 9.0], start=0, step=300) == [-1, -1, -1]  # dipped at 600
    assert tracker.update(10.0, 700.0) == -1  # the wait begins again here
    assert tracker.update(10.0, 1299.0) == -1
    assert tracker.update(10.0, 1300.0) == 0


def test_minimum_duration_applies_to_a_higher_level_too() -> None:
    tracker = LevelTracker((10.0, 20.0), for_s=300.0)
    assert feed(tracker, [10.0, 10.0], step=300) == [-1, 0]
    assert tracker.update(20.0, 900.0) == 0
    assert tracker.update(20.0, 1199.0) == 0
    assert tracker.update(20.0, 1200.0) == 1


def test_dropping_a_level_is_immediate_despite_minimum_duration() -> None:
    tracker = LevelTracker((10.0, 20.0), for_s=300.0)
    feed(tracker, [25.0, 25.0], step=300)
    assert tracker.current == 1
    assert tracker.update(15.0, 700.0) == 0
    assert tracker.update(5.0, 701.0) == -1


def test_without_minimum_duration_the_first_reading_raises() -> None:
    assert LevelTracker((10.0,)).update(10.0, 0.0) == 0


@given(
    h=st.floats(min_value=0.01, max_value=5.0),
    eps=st.floats(min_value=0.0, max_value=5.0),
    fractions=st.lists(st.floats(min_value=0.0, max_value=1.0, exclude_max=True), min_size=1, max_size=50),
)
def test_a_raised_level_never_clears_while_the_value_stays_within_hysteresis(
        h: float, eps: float, fractions: list[float]) -> None:
    line = 100.0
    tracker = LevelTracker((line,), hysteresis=h)
    assert tracker.update(line, 0.0) == 0
    low = line - h
    for i, fraction in enumerate(fractions, 1):
        value = low + (line + eps - low) * fraction
        if value <= low:
            continue  # rounding put it on the boundary, which the open interval excludes
        assert tracker.update(value, i * 60.0) == 0, value
