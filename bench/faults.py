"""Faults: readings and notifications lost or duplicated while the hub is killed -9 and the broker restarted.

A real `gridhub run` process (SQLite series and state stores in a temporary
directory) on a Mosquitto of its own, with persistence. A device in a thread of
this script publishes N QoS 1 readings of RS02 on a persistent session, each
stamped base + n ms so that the store's key says which one it was. While it
publishes, the hub is killed -9 (and started again) three times and the broker
restarted twice. Before the readings, RS01 is driven past its warning line: the
alert escalates every 3 s to a webhook served by this script, so every kill
falls during an escalation.

Readings: lost = numbers never stored; duplicated = extra rows for one number.
Notifications: per (alert, step, channel) for each stored step (raise, escalate),
lost = none arrived, duplicated = extra arrivals on the wire and, when the wire
carries a delivery id (Idempotency-Key header or `delivery_id`), after
de-duplicating by it.

Prints the figures, last `faults_readings_lost: N`.
Run: .venv/bin/python bench/faults.py [--readings 20000] [--rate 1000] [--smoke]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.faults_parts import (
    ALERT_TOPIC,
    READINGS_TOPIC,
    Device,
    HubProcess,
    NotificationCounts,
    Receiver,
    bench_town,
    count_notifications,
    escalation_steps,
    over_the_line,
    reading,
    stored_sequence,
)
from tests.support import Mosquitto

SETTLE_S = 30.0  # after the last acknowledgement, how long the store may stay without progress


def wait(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"faults: timed out waiting for {what}")
        time.sleep(0.1)


def fault_plan(n: int, kills: int, restarts: int) -> dict[int, str]:
    """At which reading number each fault happens: spread over the run, kills and restarts interleaved."""
    faults = [("kill", (i + 1) / (kills + 1)) for i in range(kills)]
    faults += [("broker", (i + 1.5) / (restarts + 2)) for i in range(restarts)]
    return {int(at * n): what for what, at in faults}


def publish_with_faults(device: Device, hub: HubProcess, broker: Mosquitto, n: int, rate: float,
                        plan: dict[int, str]) -> int:
    base_ms = int(time.time() * 1000) - n - 60_000
    started = time.monotonic()
    for seq in range(n):
        fault = plan.get(seq)
        if fault is not None:  # every fault hits a hub that is up and taking in readings
            hub.wait_connected()
        if fault == "kill":
            hub.kill()
            hub.start()
        elif fault == "broker":
            before = hub.connections()
            broker.stop()
            broker.start()
            hub.wait_connected(more_than=before)  # the hub saw the broker go and come back
        device.publish(READINGS_TOPIC, reading(base_ms, seq))
        ahead = started + (seq + 1) / rate - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)
    return base_ms


def settle(hub: HubProcess, base_ms: int, n: int) -> None:
    """Until every reading is stored, or the store has made no progress for SETTLE_S."""
    last, since = -1, time.monotonic()
    while (stored := len(stored_sequence(hub.data, base_ms, n))) < n and time.monotonic() - since < SETTLE_S:
        if stored != last:
            last, since = stored, time.monotonic()
        time.sleep(0.5)


def report(n: int, stored: dict[int, int], notes: NotificationCounts, kills: int, restarts: int) -> None:
    lost = n - len(stored)
    duplicated = sum(count - 1 for count in stored.values())
    print(f"readings published: {n:,} (QoS 1, persistent session); hub killed -9 {kills}x, broker restarted "
          f"{restarts}x")
    print(f"readings stored: {len(stored):,}; lost {lost}; duplicated {duplicated}")
    print(f"escalation steps stored: {notes.steps}; notifications received: {notes.received}; "
          f"lost {notes.lost}; duplicated on the wire {notes.duplicated}")
    by_id = "no delivery id on the wire" if notes.duplicated_by_id is None else str(notes.duplicated_by_id)
    print(f"notifications duplicated after de-duplicating by delivery id: {by_id}")
    print(f"faults_notifications_lost: {notes.lost}")
    print(f"faults_readings_lost: {lost}")


def run(n: int, rate: float, kills: int, restarts: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="gridhub-faults-"))
    broker, receiver = Mosquitto(tmp / "mosquitto"), Receiver()
    broker.start()
    hub = HubProcess(bench_town(tmp, receiver.url), tmp / "hub", broker.port)
    device = Device(broker.port)
    try:
        hub.start()
        hub.wait_connected()
        device.publish(ALERT_TOPIC, over_the_line(int(time.time() * 1000)))
        wait(lambda: any(b.get("action") == "raise" for b, _ in receiver.received), 60, "the alert's first notice")
        base_ms = publish_with_faults(device, hub, broker, n, rate, fault_plan(n, kills, restarts))
        wait(lambda: device.acked >= n + 1, 120, "the broker to acknowledge every reading")
        hub.wait_connected()
        settle(hub, base_ms, n)
        time.sleep(4)  # one more escalation step after the last restart
    finally:
        device.close()
        hub.stop()
        time.sleep(0.5)
        receiver.close()
        broker.stop()
    stored = stored_sequence(hub.data, base_ms, n)
    notes = count_notifications(escalation_steps(hub.data), receiver.received)
    report(n, stored, notes, kills, restarts)
    print(f"(logs and stores in {tmp})", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--readings", type=int, default=20_000)
    parser.add_argument("--rate", type=float, default=1000.0, help="readings published per second")
    parser.add_argument("--smoke", action="store_true", help="300 readings, one kill, one broker restart")
    args = parser.parse_args()
    if args.smoke:
        run(300, 150.0, kills=1, restarts=1)
    else:
        run(args.readings, args.rate, kills=3, restarts=2)


if __name__ == "__main__":
    main()
