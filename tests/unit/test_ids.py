"""Numbers from the database used on the loop: in hand ahead, taken in increasing order, a burst served on the spot."""

from __future__ import annotations

import asyncio
import threading

from hub.alerts.ids import Ids


class Sequence:
    """A database sequence: every call hands out numbers never handed out before."""

    def __init__(self) -> None:
        self.next = 1
        self.calls: list[int] = []

    def __call__(self, count: int) -> list[int]:
        self.calls.append(count)
        taken = list(range(self.next, self.next + count))
        self.next += count
        return taken


async def test_numbers_are_topped_up_ahead_and_taken_in_order() -> None:
    seq = Sequence()
    ids = Ids(seq, spare=3, last=0)
    await ids.top_up()
    assert [ids.take(), ids.take()] == [1, 2] and ids.last == 2
    await ids.top_up()
    assert seq.calls == [3, 2] and [ids.take() for _ in range(3)] == [3, 4, 5]


async def test_a_burst_reserves_on_the_spot_and_older_numbers_reserved_meanwhile_are_left() -> None:
    seq, answered = Sequence(), threading.Event()

    def slow_in_threads(count: int) -> list[int]:
        taken = seq(count)
        if threading.current_thread() is not threading.main_thread():
            answered.wait(5)  # the database's answer is late: the loop takes numbers meanwhile
        return taken

    ids = Ids(slow_in_threads, spare=2)
    topping_up = asyncio.create_task(ids.top_up())  # 1 and 2, answered late
    await asyncio.sleep(0.1)
    assert ids.take() == 3  # none in hand: 3 and 4 reserved on the spot
    answered.set()
    await topping_up
    assert [ids.take(), ids.take()] == [4, 5]  # 1 and 2 are older than 3: never used


def test_counting_in_memory_goes_on_from_the_last() -> None:
    ids = Ids.counting(41)
    assert [ids.take(), ids.take()] == [42, 43]
