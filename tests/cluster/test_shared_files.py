"""Photos live in the town's shared files folder: the standby that takes over serves what the old leader stored."""

from __future__ import annotations

import time

import cv2
import httpx
import numpy as np
import pytest

from tests.case_support import middle_of
from tests.cluster.support import Cluster, signed_in, wait_led

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]


def leading(cluster: Cluster, client: httpx.Client, not_: str | None = None) -> str:
    deadline = time.monotonic() + 60
    while (leader := cluster.leader()) in (None, not_) or client.get("/api/status").status_code != 200:
        assert time.monotonic() < deadline, "no core process took the lead"
        time.sleep(0.2)
    assert leader is not None
    return leader


def test_a_photo_outlives_the_leader_that_stored_it(cluster: Cluster) -> None:
    cluster.extra_env = {"GRIDHUB_FILES_DIR": str(cluster.workdir / "files")}
    cluster.create_admin()
    for role, name in [("core", "c1"), ("core", "c2"), ("console", "k1")]:
        cluster.start(role, name)
    cluster.wait_listening("k1")
    wait_led(cluster.url("k1"))
    client = signed_in(cluster.url("k1"))
    try:
        first = leading(cluster, client)
        png = cv2.imencode(".png", np.full((60, 80, 3), (30, 120, 200), np.uint8))[1].tobytes()
        upload = client.post("/api/cases/photos", params={"key": "report-0001"}, content=png,
                             headers={"content-type": "image/png"})
        assert upload.status_code == 201, upload.text
        photo = upload.json()["photo"]
        report = client.post("/api/cases/reports", json={"category": "roads", "matter": "石门桥东侧护栏断裂",
                                                          "location": dict(zip(("lon", "lat"), middle_of("G19"),
                                                                               strict=True)), "photos": [photo]})
        assert report.status_code == 201, report.text
        path = f"/api/cases/{report.json()['case']['id']}/photos/{photo}"
        assert client.get(path).content[:2] == b"\xff\xd8"

        cluster.kill(first)
        leading(cluster, client, not_=first)
        again = client.get(path)
        assert again.status_code == 200 and again.content[:2] == b"\xff\xd8"
    finally:
        client.close()
