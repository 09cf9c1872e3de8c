"""A call whose media all goes through a real TURN server (Debian's coturn), as for a village behind NAT: each
participant signs in to coturn with a credential of their own, made from the secret it shares with the hub."""

from __future__ import annotations

import dataclasses
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page

from adapters.janus.config import JanusSection
from hub.app import Hub
from hub.users.model import Role
from tests.e2e.call_support import call_page, join, receiving
from tests.support import PASSWORD, account, console_url, free_port, hub_settings, make_hub, sample_town, signed_in

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.timeout(180)]
SECRET = "coturn-shared-secret"
VILLAGE = "shimen"
SELECTED_PATH = """async (name) => {
  const stats = await callState.client.pcs[name].getStats();
  for (const s of stats.values()) {
    if (s.type === "transport" && s.selectedCandidatePairId) {
      const pair = stats.get(s.selectedCandidatePairId);
      return stats.get(pair.localCandidateId).candidateType;
    }
  }
  return null;
}"""


@pytest.fixture
def coturn(tmp_path: Path) -> Iterator[int]:
    """coturn with the TURN REST API's shared secret, browsers reaching it on loopback; its port.

    It relays from the machine's own town-side address, where Janus has its candidates: Janus never
    uses loopback, as a village's relay would reach the hub's LAN address.
    """
    binary = shutil.which("turnserver")
    assert binary, "coturn is missing: run `bash scripts/setup --dev` as root"
    port, relays = free_port(), free_port()
    args = [binary, "-n", "--listening-ip=127.0.0.1", f"--relay-ip={own_address()}", f"--listening-port={port}",
            f"--min-port={relays}", f"--max-port={relays + 40}", "--use-auth-secret",
            f"--static-auth-secret={SECRET}", "--realm=gridhub.test", "--no-tls", "--no-dtls", "--no-cli",
            f"--userdb={tmp_path / 'turndb'}", f"--pidfile={tmp_path / 'turn.pid'}", "--log-file=stdout",
            "--simple-log"]
    with open(tmp_path / "coturn.log", "wb") as log:
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_listening(port, process)
        yield port
    finally:
        process.terminate()
        process.wait(10)


def own_address() -> str:
    """The address this machine sends from on its network (no packet is sent: UDP connect only picks a route)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("10.255.255.255", 9))
        address: str = probe.getsockname()[0]
        return address


def wait_listening(port: int, process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "coturn exited at start"
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"coturn not listening on {port} after {timeout} s")


@pytest.fixture
async def hub(tmp_path: Path, system_broker_port: int, coturn: int) -> AsyncIterator[Hub]:
    loaded = sample_town()
    janus = JanusSection.model_validate({"debug_level": 3, "turn": {
        "host": "127.0.0.1", "port": coturn, "transports": ["udp"], "secret": SECRET, "relay_only": True}})
    town = dataclasses.replace(loaded, sections={**loaded.sections, "janus": janus})
    broker = {"host": "127.0.0.1", "port": system_broker_port, "client_id": "gridhub-turn-e2e"}
    async with make_hub(hub_settings(tmp_path, broker, https={"hosts": ["127.0.0.1"]}), town) as running:
        yield running



async def test_media_relayed_through_turn_with_per_participant_credentials(hub: Hub, call_browser: Browser) -> None:
    base = console_url(hub)
    names = {"officer": await account(hub), VILLAGE: await account(hub, Role.cadre, VILLAGE)}
    async with httpx.AsyncClient(base_url=base, verify=False, headers=await signed_in(hub)) as http:
        made = await http.post("/api/calls", json={"title": "夜间巡堤会商", "villages": [VILLAGE]})
        assert made.status_code == 201, made.text
        call_id = made.json()["id"]
    problems: list[str] = []
    pages: dict[str, Page] = {}
    for who, user in names.items():
        pages[who] = (await call_page(call_browser, base, user, PASSWORD, call_id, problems))[1]
        await join(pages[who])
    await receiving(pages["officer"], "sub", {names[VILLAGE]})
    await receiving(pages[VILLAGE], "sub", {names["officer"]})
    for page in pages.values():
        for pc in ("pub", "sub"):
            assert await page.evaluate(SELECTED_PATH, pc) == "relay"  # no direct path was even tried
    users = [await page.evaluate("callState.client.iceServers[0].username") for page in pages.values()]
    assert [u.split(":", 1)[1] for u in users] == list(names.values())  # a credential of each one's own
    assert problems == []
