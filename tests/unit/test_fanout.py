"""The live feeds' fan-out: both full-queue policies, per-subscriber views, unsubscribing, and slow subscribers."""

from __future__ import annotations

import asyncio

from console.fanout import FanOut, Policy, Subscription
from hub.bus import Bus


def drain(queue: asyncio.Queue[int]) -> list[int]:
    return [queue.get_nowait() for _ in range(queue.qsize())]


async def read(subscription: Subscription[int], count: int) -> list[int]:
    return [await subscription.get() for _ in range(count)]


async def test_close_policy_marks_a_full_subscriber_overflowed_and_keeps_what_it_held() -> None:
    fanout: FanOut[int] = FanOut("test", 3, Policy.close)
    slow = fanout.subscribe()
    for n in range(5):
        fanout.publish(n)
    assert slow.overflowed.is_set()
    assert drain(slow.queue) == [0, 1, 2]  # nothing skipped before the gap: it resumes from the last it got
    assert fanout.closed == 1
    assert slow.dropped == 0


async def test_drop_oldest_policy_keeps_the_latest_and_counts_what_it_dropped() -> None:
    fanout: FanOut[int] = FanOut("test", 3, Policy.drop_oldest)
    slow = fanout.subscribe()
    for n in range(5):
        fanout.publish(n)
    assert not slow.overflowed.is_set()
    assert drain(slow.queue) == [2, 3, 4]
    assert (slow.dropped, fanout.dropped) == (2, 2)


async def test_each_subscriber_gets_its_own_view() -> None:
    fanout: FanOut[int] = FanOut("test", 10, Policy.close)
    evens = fanout.subscribe(lambda n: n if n % 2 == 0 else None)
    tens = fanout.subscribe(lambda n: n * 10)
    for n in range(4):
        fanout.publish(n)
    assert drain(evens.queue) == [0, 2]
    assert drain(tens.queue) == [0, 10, 20, 30]


async def test_a_subscription_leaves_when_unsubscribed_or_its_block_ends() -> None:
    fanout: FanOut[int] = FanOut("test", 10, Policy.drop_oldest)
    with fanout.subscribe() as inside:
        kept = fanout.subscribe()
        assert len(fanout) == 2
    assert len(fanout) == 1
    kept.unsubscribe()
    kept.unsubscribe()  # twice is harmless: a socket may end from either side
    fanout.publish(1)
    assert len(fanout) == 0
    assert inside.queue.empty() and kept.queue.empty()


async def test_close_detaches_the_fanout_from_the_bus() -> None:
    bus = Bus()
    fanout: FanOut[int] = FanOut("test", 10, Policy.close)
    fanout.keep(bus.subscribe(int, fanout.publish))
    listening = fanout.subscribe()
    bus.async_publish(1)
    fanout.close()
    bus.async_publish(2)
    assert drain(listening.queue) == [1]


async def test_a_slow_subscriber_does_not_hold_up_the_others() -> None:
    for policy in Policy:
        fanout: FanOut[int] = FanOut("test", 5, policy)
        slow = fanout.subscribe()  # never reads
        fast = fanout.subscribe()
        reader = asyncio.create_task(read(fast, 100))
        for n in range(100):
            fanout.publish(n)  # never waits: publishing is synchronous whatever the subscribers do
            await asyncio.sleep(0)
        assert await asyncio.wait_for(reader, 5) == list(range(100)), policy
        assert slow.queue.qsize() == 5
        assert slow.overflowed.is_set() == (policy is Policy.close)
