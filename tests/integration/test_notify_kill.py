"""Kill -9 during escalation: the hub as an OS process (`gridhub run`), two alerts climbing the chain every few
seconds through a webhook to a receiver here, the hub killed -9 just after notifications arrive and restarted.
Every notification arrives, and no step is told twice: one delivery id per step and level (a copy resent after
a kill carries the same id, which the receiver can drop)."""

from __future__ import annotations

import asyncio
import json
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from sqlalchemy.pool import NullPool

from hub.settings import DEFAULT_TOWN
from tests.notify_support import HttpReceiver, Reply
from tests.support import Mosquitto, Publisher, free_port, listening, wait_for

pytestmark = pytest.mark.integration
GRIDHUB = str(Path(sys.executable).parent / "gridhub")
STATIONS = {"RS01": ("hy/HY230101/up", 58.3), "RS02": ("hy/HY230102/up", 57.6)}  # over warning: orange
CHAIN = ["grid_worker", "village_cadre", "duty_officer", "centre_lead"]
KILLS = 4
ANSWER_S = 0.4


def town_file(tmp: Path, receiver: HttpReceiver) -> Path:
    """The sample town climbing an orange alert's chain every 6 s, telling every level through the receiver."""
    town = yaml.safe_load(DEFAULT_TOWN.read_text(encoding="utf-8"))
    town["alerts"]["escalation"] = {"after_min": {"blue": 600, "yellow": 600, "orange": 0.1, "red": 600},
                                    "repeat_min": 600}
    town["alerts"]["notifiers"] = [{"type": "webhook", "name": "sms", "url": receiver.url("/sms")}]
    town["adapters"]["hj212"]["listen"]["port"] = free_port()
    town["adapters"]["sl651"]["listen"]["port"] = free_port()
    town["adapters"]["cameras"]["enabled"] = False
    path = tmp / "town.yaml"
    path.write_text(yaml.safe_dump(town, allow_unicode=True), encoding="utf-8")
    return path


@dataclass
class HubProcess:
    """`gridhub run` on one data folder, killed and started again by the test."""

    town: Path
    data: Path
    broker_port: int
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with (self.data / "hub.log").open("ab") as log:
            self.process = subprocess.Popen(
                [GRIDHUB, "run", "--town", str(self.town), "--data-dir", str(self.data), "--http-port", str(self.port),
                 "--mqtt", f"mqtt://127.0.0.1:{self.broker_port}"], stdout=log, stderr=log)

    async def started(self) -> None:
        await wait_for(lambda: listening(self.port), timeout=60, what=f"the hub listening\n{self.log()}")

    def signal(self, sig: signal.Signals) -> None:
        assert self.process is not None
        self.process.send_signal(sig)
        self.process.wait(30)

    def log(self) -> str:
        return (self.data / "hub.log").read_text(errors="replace")[-3000:]


def told(receiver: HttpReceiver) -> list[dict[str, Any]]:
    """Every notification the receiver got, with the idempotency key it came with."""
    return [{**json.loads(r.body), "key": r.headers.get("idempotency-key")} for r in receiver.received]


def stored(data: Path) -> tuple[list[dict[str, Any]], list[tuple[int, int, str]]]:
    """The delivery log, and the alerts' transitions (alert, seq, action), as the hub left them."""
    db = sa.create_engine(f"sqlite:///{data / 'state.sqlite3'}", poolclass=NullPool)
    with db.connect() as conn:
        deliveries = [json.loads(b) for b in conn.execute(sa.text("SELECT body FROM gridhub_alert_deliveries"))
                      .scalars()]
        transitions = [(int(a), int(s), json.loads(b)["action"]) for a, s, b in conn.execute(
            sa.text("SELECT alert_id, seq, body FROM gridhub_alert_transitions ORDER BY seq"))]
    db.dispose()
    return deliveries, transitions


async def kill_after_notifications(hub: HubProcess, receiver: HttpReceiver, rng: random.Random) -> int:
    """Kill -9 the hub a moment after each new notification arrives, KILLS times, restarting it each time."""
    kills, seen = 0, 0
    while kills < KILLS:
        await wait_for(lambda before=seen: len(receiver.received) > before, timeout=60, what="a notification")
        # The receiver answers after ANSWER_S: a kill before that leaves the delivery unconfirmed, to be sent
        # again after the restart under the same id; a kill after it, stored as sent or just about to be.
        await asyncio.sleep(rng.uniform(0.0, 2 * ANSWER_S))
        hub.signal(signal.SIGKILL)
        kills += 1
        seen = len(receiver.received)
        hub.start()
        await hub.started()
    return kills


async def test_kill_9_during_escalation_loses_no_notification_and_tells_none_twice(
        tmp_path: Path, own_broker: Mosquitto) -> None:
    async with HttpReceiver() as receiver:
        receiver.default = Reply(delay_s=ANSWER_S)
        hub = HubProcess(town_file(tmp_path, receiver), tmp_path, own_broker.port)
        hub.start()
        try:
            await hub.started()
            publisher = await Publisher.open(own_broker.port, "rtu-kill-test")
            for topic, metres in STATIONS.values():
                publisher.publish(topic, json.dumps({"ts": int(time.time() * 1000), "wl": round(metres * 100)}))
            await publisher.aclose()
            assert await kill_after_notifications(hub, receiver, random.Random(16)) == KILLS
            await wait_for(lambda: {(n["alert_id"], n["level"]) for n in told(receiver)} >=
                           {(a, level) for a in (1, 2) for level in CHAIN},
                           timeout=90, what=f"every level told of both alerts\n{hub.log()}")
            await asyncio.sleep(1.0)
        finally:
            hub.signal(signal.SIGTERM)
    deliveries, transitions = stored(tmp_path)
    notified = [(a, s) for a, s, action in transitions if action in ("raise", "escalate")]
    for alert in (1, 2):
        assert [action for a, _, action in transitions if a == alert] == ["raise", *["escalate"] * 3], transitions
    by_step = Counter((d["alert_id"], d["seq"], d["level"]) for d in deliveries)
    assert sorted(by_step) == sorted((a, s, lv) for (a, s), lv in zip(notified, _levels(transitions), strict=True))
    assert set(by_step.values()) == {1}, "a step told twice under two delivery ids"
    assert {d["status"] for d in deliveries} == {"sent"}
    got = told(receiver)
    assert all(n["key"] == n["delivery_id"] for n in got)
    assert {n["key"] for n in got} == {d["id"] for d in deliveries}, "every stored delivery arrived, nothing else"
    resent = len(got) - len({n["key"] for n in got})
    print(f"notifications: {len(deliveries)} stored, {len(got)} received, {resent} resent with the same id")


def _levels(transitions: list[tuple[int, int, str]]) -> list[str]:
    """The level each raise or escalation tells, in the order of *transitions*: each alert climbs the chain."""
    climbed: Counter[int] = Counter()
    levels = []
    for alert, _, action in transitions:
        if action in ("raise", "escalate"):
            levels.append(CHAIN[climbed[alert]])
            climbed[alert] += 1
    return levels
