"""Console processes serve the dispatch, case, broadcast and call sockets themselves, from the leader's relayed
events, with the leader's own scope rules, through a failover of the leader."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from tests.cluster.pages import Socket, browser, socket, start
from tests.cluster.support import Cluster

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]
GRIDS = {"shimen": "G19", "liuwan": "G24"}
LATENCY_SAMPLES = 40


def opened(m: dict[str, Any]) -> bool:
    return m["type"] in ("hello", "snapshot")


def team_is(team: str, status: str) -> Any:
    return lambda m: m["type"] == "dispatch" and (m.get("team") or {}).get("id") == team \
        and m["team"]["status"] == status


def case_made(case_id: int) -> Any:
    return lambda m: m["type"] == "case" and m["case"]["id"] == case_id


def seqs(s: Socket, kind: str) -> list[int]:
    return [m["seq"] for _, m in s.messages if m["type"] == kind]


def logged(cluster: Cluster, table: str) -> list[int]:
    with sa.create_engine(cluster.state_url, poolclass=NullPool).connect() as conn:
        return list(conn.execute(sa.text(f"SELECT seq FROM {table} ORDER BY seq")).scalars())


async def new_case(client: httpx.AsyncClient, village: str, matter: str = "邻里纠纷") -> int:
    made = await client.post("/api/cases", json={"requester": {"name": "王秀英", "phone": "13812341234"},
                                                 "category": "disputes", "grid": GRIDS[village], "matter": matter})
    assert made.status_code == 201, made.text
    return int(made.json()["case"]["id"])


async def team_status(client: httpx.AsyncClient, team: str, status: str) -> httpx.Response:
    return await client.put(f"/api/teams/{team}/status", json={"status": status, "note": "测试"})


async def test_each_console_serves_dispatch_case_broadcast_and_call_sockets(cluster: Cluster) -> None:
    start(cluster, [("core", "c1"), ("core", "c2"), ("console", "k1"), ("console", "k2")])
    async with browser(cluster.url("k1")) as a, \
            httpx.AsyncClient(base_url=cluster.url("k2"), timeout=10, cookies=a.cookies,
                              headers={"Origin": cluster.url("k2")}) as b:
        made = await a.post("/api/users", json={"username": "cadre.shimen", "name": "石门村 李华", "role": "cadre",
                                                "village": "shimen", "password": "cadre-pass-1"})
        assert made.status_code == 201, made.text
        await _actions_on_a_show_on_b(a, b)
        async with browser(cluster.url("k2"), "cadre.shimen", "cadre-pass-1") as cadre:
            await _a_cadre_gets_only_their_village(a, cadre)
            await _reads_while_the_leader_is_frozen(cluster, b, cadre)
        await _an_opening_during_changes(cluster, a, b)
        await _through_a_failover(cluster, a, b)


async def _actions_on_a_show_on_b(a: httpx.AsyncClient, b: httpx.AsyncClient) -> None:
    """A team's status and a new case, both through A, on B's sockets within a second; B's broadcast and call
    sockets open too. The p99 from an action's answer on A to B's socket is printed."""
    async with socket(b, "/ws/dispatch") as dispatch, socket(b, "/ws/cases") as cases, \
            socket(b, "/ws/broadcast") as broadcast, socket(b, "/ws/calls") as calls:
        for s in (dispatch, cases, broadcast, calls):
            await s.wait_for(opened, 10, "the socket's first message")
        assert broadcast.kinds()[0] == "snapshot" and calls.messages[0][1]["me"] == "root"
        assert (await team_status(a, "T01", "unavailable")).status_code == 200
        done = time.monotonic()
        at, _ = await dispatch.wait_for(team_is("T01", "unavailable"), 5, "the team's status on B")
        assert at - done < 1.0, f"the dispatch change took {at - done:.2f} s to B's socket"
        from_leader, round_trip = [], []
        for n in range(LATENCY_SAMPLES):
            sent = time.monotonic()
            case_id = await new_case(a, "shimen", f"纠纷{n}")
            at, change = await cases.wait_for(case_made(case_id), 5, f"case {case_id} on B")
            round_trip.append(at - sent)
            # The leader stamps the entry as it makes it; the socket's time on the same machine's wall clock.
            arrived = time.time() - (time.monotonic() - at)
            from_leader.append(arrived - datetime.fromisoformat(change["entry"]["time"]).timestamp())
        assert max(round_trip) < 1.0, round_trip
        print(f"console_feed_p99_ms: {p99(from_leader):.1f} from the leader's entry to B's socket "
              f"(median {p99(from_leader, 0.5):.1f}); {p99(round_trip):.1f} from A's request "
              f"(median {p99(round_trip, 0.5):.1f}); {LATENCY_SAMPLES} cases")


def p99(values: list[float], q: float = 0.99) -> float:
    """The *q* quantile (nearest rank) of *values*, in milliseconds."""
    return sorted(values)[min(len(values) - 1, int(q * len(values)))] * 1000


async def _a_cadre_gets_only_their_village(staff: httpx.AsyncClient, cadre: httpx.AsyncClient) -> None:
    """Through console B, a cadre's case and call sockets hold their village's, and the centre's dispatch socket
    refuses them; the staff's socket shows the other village's case was relayed."""
    async with socket(cadre, "/ws/cases") as cadre_cases, socket(cadre, "/ws/calls") as cadre_calls, \
            socket(cadre, "/ws/dispatch") as refused, socket(staff, "/ws/cases") as staff_cases:
        for s in (cadre_cases, cadre_calls, staff_cases):
            await s.wait_for(opened, 10, "the socket's first message")
        other, own = await new_case(staff, "liuwan", "他村纠纷"), await new_case(staff, "shimen", "本村纠纷")
        for case_id in (other, own):
            await staff_cases.wait_for(case_made(case_id), 5, f"case {case_id} for the staff")
        await cadre_cases.wait_for(case_made(own), 5, "the cadre's own village's case")
        assert refused.task is not None
        await asyncio.wait_for(refused.task, 5)
        assert refused.ws.close_code == 4403
        await asyncio.sleep(0.5)  # the other village's case would have come by now
    snapshot = cadre_cases.messages[0][1]
    shown = list(snapshot["cases"]) + [m["case"] for _, m in cadre_cases.messages if m["type"] == "case"]
    assert shown and all(c["village"] == "shimen" for c in shown), shown
    assert other not in {c["id"] for c in shown}
    assert [v["id"] for v in cadre_calls.messages[0][1]["villages"]] == ["shimen"]


async def _reads_while_the_leader_is_frozen(cluster: Cluster, *clients: httpx.AsyncClient) -> None:
    """The alerts list and the teams, for the staff and for a cadre, answered by console B from the state store
    while the leader is frozen (SIGSTOP), as the leader itself answers them."""
    leader = cluster.leader()
    assert leader is not None
    paths = ("/api/alerts?state=resolved&state=open", "/api/teams")
    by_leader = []
    for client in clients:
        async with httpx.AsyncClient(base_url=cluster.url(leader), timeout=10, cookies=client.cookies) as direct:
            by_leader += [(await direct.get(path)).json() for path in paths]
    cluster.pause(leader)
    try:
        by_console = []
        for client in clients:
            for path in paths:
                answer = await client.get(path, timeout=5)
                assert answer.status_code == 200, (path, answer.text)
                by_console.append(answer.json())
    finally:
        cluster.resume(leader)
    staff_teams, cadre_teams = by_console[1], by_console[3]
    assert {t["id"]: t["status"] for t in staff_teams}["T01"] == "unavailable"
    assert cadre_teams and len(cadre_teams) < len(staff_teams)  # a cadre's: their village's teams
    changed = {t["id"] for t in staff_teams if t["status"] != "available"}
    # A team never changed is `since` the leader's start there, the time of the read here.
    for answer in (*by_leader, *by_console):
        for team in answer:
            if "since" in team and team["id"] not in changed:
                del team["since"]
    assert by_console == by_leader


async def _an_opening_during_changes(cluster: Cluster, a: httpx.AsyncClient, b: httpx.AsyncClient) -> None:
    """A case socket opened on B while A makes cases: the snapshot, then every change after it once, in order."""
    async def burst() -> list[int]:
        return [await new_case(a, "shimen", f"连续{n}") for n in range(15)]

    making = asyncio.create_task(burst())
    await asyncio.sleep(0.15)
    async with socket(b, "/ws/cases") as cases:
        made = await making
        await cases.wait_for(case_made(made[-1]), 5, "the last case of the burst")
        await asyncio.sleep(0.3)
    first = cases.messages[0][1]
    got = seqs(cases, "case")
    assert got == [seq for seq in logged(cluster, "gridhub_case_log") if first["seq"] < seq <= got[-1]]
    held = {c["id"] for c in first["cases"]} | {m["case"]["id"] for _, m in cases.messages if m["type"] == "case"}
    assert set(made) <= held


async def _through_a_failover(cluster: Cluster, a: httpx.AsyncClient, b: httpx.AsyncClient) -> None:
    """The leader killed -9: the sockets on both consoles stay open and carry the standby's changes once, in order."""
    async with socket(a, "/ws/dispatch") as on_a, socket(b, "/ws/dispatch") as on_b, \
            socket(a, "/ws/cases") as cases_a, socket(b, "/ws/cases") as cases_b:
        for s in (on_a, on_b, cases_a, cases_b):
            await s.wait_for(opened, 10, "the socket's first message")
        leader = cluster.leader()
        assert leader is not None
        cluster.kill(leader)
        deadline = time.monotonic() + 20
        while (await team_status(b, "T02", "unavailable")).status_code != 200:
            assert time.monotonic() < deadline, "no standby acted within 20 s"
            await asyncio.sleep(0.2)
        case_id = await new_case(b, "shimen", "接管后")
        assert (await team_status(a, "T02", "available")).status_code == 200
        for s in (on_a, on_b):
            await s.wait_for(team_is("T02", "available"), 5, "the standby's last change")
        for s in (cases_a, cases_b):
            await s.wait_for(case_made(case_id), 5, "the standby's case")
        await asyncio.sleep(0.5)  # anything sent twice would have come by now
        for s, table in ((on_a, "gridhub_dispatch_log"), (on_b, "gridhub_dispatch_log"),
                         (cases_a, "gridhub_case_log"), (cases_b, "gridhub_case_log")):
            assert s.task is not None and not s.task.done(), "a console's socket closed with the leader"
            kind = "dispatch" if table == "gridhub_dispatch_log" else "case"
            assert seqs(s, kind) == [seq for seq in logged(cluster, table) if seq > s.messages[0][1]["seq"]]
        async with socket(b, "/ws/dispatch") as after:  # a new socket's opening is the standby's
            hello = (await after.wait_for(opened, 10, "the standby's hello"))[1]
            assert hello["teams"]["T02"] == "available" and hello["seq"] == logged(cluster, "gridhub_dispatch_log")[-1]
