"""Cameras belong to ingest workers: each is read by one live worker, moves when that worker dies, and a camera
going offline raises one alert; loudspeakers stay with the leader, whose link hears them, and theirs too."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from hub.shards import wanted
from tests.cluster.cameras_support import CameraServer, camera_town, cameras_of, process_of
from tests.cluster.support import Cluster, signed_in
from tests.cluster.test_cluster import until

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]
WORKERS = ("w1", "w2")
SPEAKER, SPEAKER_ADDRESS = "SPK01", "430499105001-01"


@pytest.fixture
def cameras() -> Iterator[CameraServer]:
    server = CameraServer()
    yield server
    server.close()


def readers(cluster: Cluster, server: CameraServer, camera: str) -> list[str]:
    """The processes reading *camera* now, one entry per open stream (a stream its reader has just closed, which
    the server has not noticed yet, belongs to no process and is left out)."""
    pids = {name: p.pid for name, p in cluster.processes.items() if p.poll() is None}
    return [name for port in server.readers(camera) if (name := process_of(port, server.port, pids)) is not None]


def owners(cluster: Cluster, server: CameraServer, cameras: list[str]) -> dict[str, str | None]:
    """Each camera's one reader; None for a camera read by none or by more than one."""
    found = {c: readers(cluster, server, c) for c in cameras}
    return {c: r[0] if len(r) == 1 else None for c, r in found.items()}


def offline_alerts(client: httpx.Client, device: str) -> list[dict[str, object]]:
    response = client.get("/api/alerts", params={"device": device, "rule": "device-offline"})
    return list(response.json()) if response.status_code == 200 else []


def test_each_camera_is_read_by_one_worker_and_moves_when_it_dies(cluster: Cluster, cameras: CameraServer) -> None:
    cluster.town = camera_town(cluster.workdir / "town.yaml", cameras.port)
    ids = cameras_of(cluster.town)
    cluster.extra_env = {"GRIDHUB_FILES_DIR": str(cluster.workdir / "files")}  # the folder every process shares
    cluster.create_admin()
    # One worker first, with every camera streaming (their leader's health online): a stream being opened cannot
    # be interrupted, so a share given up mid-open keeps its connection until the open returns (README).
    for role, name in [("ingest", "w1"), ("core", "c1")]:
        cluster.start(role, name)
    cluster.wait_listening("c1")
    client = signed_in(cluster.url("c1"))
    try:
        until(lambda: all_online(client), 60, "every camera streaming to w1")
        cluster.start("ingest", "w2")
        balanced = {w: len(wanted(w, WORKERS, cluster.shards)) for w in WORKERS}
        until(lambda: cluster.shares_held() == balanced, 60, f"the workers holding their shares, {balanced}")
        until(lambda: set(owners(cluster, cameras, ids).values()) == set(WORKERS), 60,
              f"every camera read by exactly one worker, both working: {owners(cluster, cameras, ids)}")
        _each_by_one(cluster, cameras, client, ids)
    finally:
        client.close()


def all_online(client: httpx.Client) -> bool:
    devices = client.get("/api/devices", params={"kind": "camera"}).json()
    return bool(devices) and all(d["state"] == "online" for d in devices)


def _each_by_one(cluster: Cluster, cameras: CameraServer, client: httpx.Client, ids: list[str]) -> None:
    held = owners(cluster, cameras, ids)
    for _ in range(10):  # and it stays so: no second reader anywhere, the core reads none
        time.sleep(0.3)
        now = {c: readers(cluster, cameras, c) for c in ids}
        assert all(len(r) <= 1 and set(r) <= {held[c]} for c, r in now.items()), \
            {c: (r, held[c]) for c, r in now.items() if r != [held[c]]}
    until(lambda: owners(cluster, cameras, ids) == held, 10, "every camera with the same one reader")
    survivor = _failover(cluster, cameras, client, held)
    _speaker_offline(cluster, client)
    watched = next(c for c, w in held.items() if w == survivor and c not in ("CAM07", "CAM13", "CAM16"))
    _events_and_pictures(cluster, cameras, client, watched, survivor)


def _failover(cluster: Cluster, cameras: CameraServer, client: httpx.Client, held: dict[str, str | None]) -> str:
    victim = held["CAM01"]
    survivor = next(w for w in WORKERS if w != victim)
    moved = [c for c, w in held.items() if w == victim]
    early, late = moved[0], moved[-1]
    assert early != late, f"{victim} reads only {moved}"
    cameras.down.add(early)  # offline before its worker dies: its new owner finds it offline too
    until(lambda: len(offline_alerts(client, early)) == 1, 30, f"{early}'s offline alert")
    cluster.kill(victim)
    killed = time.monotonic()
    until(lambda: all(readers(cluster, cameras, c) == [survivor] for c in moved if c != early), 15,
          f"{victim}'s cameras read by {survivor}")
    print(f"camera_failover_s: {time.monotonic() - killed:.1f}")
    assert all(r == survivor for r in owners(cluster, cameras, list(held)).values() if r is not None)
    cameras.down.add(late)
    until(lambda: len(offline_alerts(client, late)) == 1, 30, f"{late}'s offline alert")
    time.sleep(5)  # long enough for a second alert, from a second reader or the new owner, to show
    for camera in (early, late):
        alerts = offline_alerts(client, camera)
        assert len(alerts) == 1, alerts
    assert cluster.processes[survivor].poll() is None
    return survivor


def _events_and_pictures(cluster: Cluster, cameras: CameraServer, client: httpx.Client, camera: str,
                         owner: str) -> None:
    """Motion seen by the camera's worker reaches the leader's store with its snapshot, which the leader serves
    from the shared folder; the leader's live picture comes from a stream of its own, for viewers only."""
    cameras.moving.add(camera)

    def snapshots() -> list[dict[str, str]]:
        return [s for s in client.get("/api/screen/snapshots").json() if s["camera"] == camera]

    until(lambda: any(s["event"] == "motion" for s in snapshots()), 30, f"{camera}'s motion with its snapshot")
    name = next(s["name"] for s in snapshots() if s["event"] == "motion")
    picture = client.get(f"/api/cameras/{camera}/snapshots/{name}")
    assert picture.status_code == 200 and picture.content[:2] == b"\xff\xd8"
    until(lambda: client.get(f"/api/cameras/{camera}/snapshot.jpg").status_code == 200, 20, "a live picture")
    assert sorted(readers(cluster, cameras, camera)) == sorted(["c1", owner])


def _speaker_offline(cluster: Cluster, client: httpx.Client) -> None:
    """A loudspeaker's own offline status: the leader's link hears it, and one alert is raised."""
    speaker = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, client_id="cluster-test-speaker")
    speaker.connect("127.0.0.1", cluster.broker_port)
    speaker.loop_start()
    try:
        topic = f"gridhub/speakers/{SPEAKER_ADDRESS}/status"
        speaker.publish(topic, b'{"state": "idle"}', qos=1).wait_for_publish(5)
        time.sleep(1)
        speaker.publish(topic, b'{"state": "offline"}', qos=1).wait_for_publish(5)
        until(lambda: len(offline_alerts(client, SPEAKER)) == 1, 20, "the speaker's offline alert")
        time.sleep(3)
        assert len(offline_alerts(client, SPEAKER)) == 1
    finally:
        speaker.loop_stop()
        speaker.disconnect()
