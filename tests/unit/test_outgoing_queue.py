"""The outgoing queue's order and window, on a stand-in for gmqtt that records what it is asked to publish."""

from __future__ import annotations

import asyncio

from adapters.mqtt.outgoing import WINDOW, AckedStorage, Outgoing, OutgoingQueue


class Wire:
    """Publishes into the store as gmqtt does: the packet is kept under a fresh id until acknowledged."""

    is_connected = True

    def __init__(self, acks: AckedStorage) -> None:
        self.acks, self.topics, self._mid = acks, list[str](), 0

    def publish(self, topic: str, _payload: bytes, qos: int, retain: bool) -> None:
        self._mid += 1
        self.topics.append(topic)
        self.acks.push_message(self._mid, b"")


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_at_most_a_window_awaits_its_puback_and_a_lost_session_sends_again_in_order() -> None:
    acks = AckedStorage()
    wire = Wire(acks)
    queue = OutgoingQueue(wire, acks, "test")  # gmqtt is untyped: the stand-in passes for its Client
    queue.start()
    futures = [queue.offer(Outgoing(f"t/{n}", b"")) for n in range(WINDOW + 5)]
    await settle()
    assert wire.topics == [f"t/{n}" for n in range(WINDOW)]
    acks.remove_message_by_mid(1)  # PUBACK of the first
    await settle()
    assert wire.topics[-1] == f"t/{WINDOW}" and futures[0] is not None and futures[0].result() is True
    acks.clear()  # the broker lost the session: nothing in flight will be acknowledged
    await settle()
    assert wire.topics[WINDOW + 1:] == [f"t/{n}" for n in range(1, WINDOW + 1)]
    await queue.stop()
