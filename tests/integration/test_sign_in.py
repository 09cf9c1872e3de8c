"""Signing in to the console over HTTP: cookies, throttling, cross-site refusals, accounts, the audit log."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import websockets

from hub.settings import HubSettings
from hub.users.model import Role
from tests.support import PASSWORD, account, console_url, hub_settings, make_hub, signed_in

pytestmark = pytest.mark.integration


def settings(tmp_path: Path, **extra: object) -> HubSettings:
    return hub_settings(tmp_path, None, **extra)


async def test_a_browser_signs_in_with_a_cookie_and_out_again(tmp_path: Path) -> None:
    async with make_hub(settings(tmp_path)) as hub, httpx.AsyncClient(base_url=console_url(hub)) as http:
        await account(hub, Role.cadre, "shimen", name="石磊")
        signed = await http.post("/api/auth/login", json={"username": "cadre.shimen", "password": PASSWORD})
        assert signed.status_code == 200
        assert signed.json()["user"] == {"username": "cadre.shimen", "name": "石磊", "role": "cadre",
                                         "role_label": "村干部", "village": "shimen", "team": None, "grids": []}
        cookie = signed.headers["set-cookie"].lower()
        assert "gridhub_session=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
        assert (await http.get("/api/auth/me")).json()["username"] == "cadre.shimen"  # the cookie alone
        assert (await http.post("/api/auth/logout")).status_code == 204
        assert (await http.get("/api/auth/me")).status_code == 401
        http.cookies.set("gridhub_session", signed.json()["token"])
        assert (await http.get("/api/auth/me")).status_code == 401  # the session is gone, not just the cookie


async def test_guessing_a_password_is_throttled(tmp_path: Path) -> None:
    async with make_hub(settings(tmp_path)) as hub, httpx.AsyncClient(base_url=console_url(hub)) as http:
        await account(hub)
        for _ in range(5):
            wrong = await http.post("/api/auth/login", json={"username": "officer", "password": "letmein123"})
            assert wrong.status_code == 401 and wrong.json()["detail"] == "wrong username or password"
        locked = await http.post("/api/auth/login", json={"username": "officer", "password": PASSWORD})
        assert locked.status_code == 429 and 0 < int(locked.headers["retry-after"]) <= 300
        malformed = await http.post("/api/auth/login", json={"username": "officer"})
        assert malformed.status_code == 422 and "password" in str(malformed.json()["detail"])


async def test_a_cookie_sent_from_another_site_is_refused(tmp_path: Path) -> None:
    async with make_hub(settings(tmp_path)) as hub, httpx.AsyncClient(base_url=console_url(hub)) as http:
        await account(hub)
        await http.post("/api/auth/login", json={"username": "officer", "password": PASSWORD})
        host = console_url(hub).split("/")[2]
        forged = await http.post("/api/alerts/1/acknowledge", json={}, headers={"Origin": "http://evil.example"})
        assert forged.status_code == 403 and forged.json()["detail"] == "cross-site request refused"
        ours = await http.post("/api/alerts/1/acknowledge", json={}, headers={"Origin": f"http://{host}"})
        assert ours.status_code == 404  # allowed through; there is no alert 1


async def test_admins_manage_accounts_and_read_the_audit_log(tmp_path: Path) -> None:
    async with make_hub(settings(tmp_path)) as hub, httpx.AsyncClient(base_url=console_url(hub)) as http:
        admin = await signed_in(hub, Role.admin)
        made = await http.post("/api/users", headers=admin, json={
            "username": "wang", "name": "王芳", "role": "cadre", "village": "liuwan", "password": "river-bank-9"})
        assert made.status_code == 201 and made.json()["village"] == "liuwan"
        refused = await http.post("/api/users", headers=admin, json={
            "username": "zhao", "name": "赵", "role": "cadre", "password": "river-bank-9"})
        assert refused.status_code == 422 and "needs a village" in refused.text
        wang = await http.post("/api/auth/login", json={"username": "wang", "password": "river-bank-9"})
        token = {"Authorization": f"Bearer {wang.json()['token']}"}
        assert (await http.get("/api/auth/me", headers=token)).status_code == 200
        assert (await http.patch("/api/users/wang", headers=admin, json={"disabled": True})).status_code == 200
        assert (await http.get("/api/auth/me", headers=token)).status_code == 401
        assert (await http.patch("/api/users/admin", headers=admin, json={"disabled": True})).status_code == 409
        await http.post("/api/auth/login", json={"username": "wang", "password": "nope-nope"})

        log = (await http.get("/api/audit", headers=admin)).json()
        seen = [(e["username"], e["action"], e["status"]) for e in reversed(log)]
        assert seen == [("admin", "POST /api/users", 201), ("admin", "POST /api/users", 422),
                        ("wang", "POST /api/auth/login", 200), ("admin", "PATCH /api/users/{username}", 200),
                        ("admin", "PATCH /api/users/{username}", 409), (None, "POST /api/auth/login", 401)]
        assert log[0]["detail"] == "username=wang" and log[0]["ip"] == "127.0.0.1"
        assert (await http.get("/api/audit", headers=await signed_in(hub))).status_code == 403


async def test_the_command_line_creates_the_first_admin(tmp_path: Path) -> None:
    env = {**os.environ, "GRIDHUB_ADMIN_PASSWORD": "first-admin-pw"}
    gridhub = Path(sys.executable).with_name("gridhub")
    done = subprocess.run([str(gridhub), "create-admin", "root", "--name", "系统管理员", "--data-dir", str(tmp_path)],
                          env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    async with make_hub(settings(tmp_path)) as hub, httpx.AsyncClient(base_url=console_url(hub)) as http:
        signed = await http.post("/api/auth/login", json={"username": "root", "password": "first-admin-pw"})
        assert signed.status_code == 200 and signed.json()["user"]["role"] == "admin"


async def test_an_admin_made_or_reset_while_the_hub_runs_signs_in_without_a_restart(tmp_path: Path) -> None:
    gridhub = Path(sys.executable).with_name("gridhub")

    def create_admin(password: str) -> None:
        done = subprocess.run([str(gridhub), "create-admin", "duty-root", "--name", "值班管理员",
                               "--data-dir", str(tmp_path)], env={**os.environ, "GRIDHUB_ADMIN_PASSWORD": password},
                              capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr

    async with make_hub(settings(tmp_path)) as hub, httpx.AsyncClient(base_url=console_url(hub)) as http:
        await asyncio.to_thread(create_admin, "made-while-running")
        signed = await http.post("/api/auth/login", json={"username": "duty-root", "password": "made-while-running"})
        assert signed.status_code == 200, signed.text
        listed = await http.get("/api/users")
        assert "duty-root" in [u["username"] for u in listed.json()]
        await asyncio.to_thread(create_admin, "reset-while-running")
        old = await http.post("/api/auth/login", json={"username": "duty-root", "password": "made-while-running"})
        new = await http.post("/api/auth/login", json={"username": "duty-root", "password": "reset-while-running"})
        assert (old.status_code, new.status_code) == (401, 200)


async def test_a_scraper_reads_metrics_with_its_token_only(tmp_path: Path) -> None:
    async with make_hub(settings(tmp_path, metrics_token="scrape-me-please")) as hub, \
            httpx.AsyncClient(base_url=console_url(hub)) as http:
        assert (await http.get("/metrics")).status_code == 401
        wrong = await http.get("/metrics", headers={"Authorization": "Bearer scrape-me-not"})
        assert wrong.status_code == 401
        scraped = await http.get("/metrics", headers={"Authorization": "Bearer scrape-me-please"})
        assert scraped.status_code == 200 and "gridhub_devices" in scraped.text


async def test_a_disabled_account_answers_as_a_wrong_password_does(tmp_path: Path) -> None:
    async with make_hub(settings(tmp_path)) as hub, httpx.AsyncClient(base_url=console_url(hub)) as http:
        await account(hub)
        await hub.ctx.users.update("officer", disabled=True)
        answers, seconds = {}, {}
        for password in (PASSWORD, "letmein123", PASSWORD, "letmein123", PASSWORD):  # five failures lock
            started = time.perf_counter()
            answer = await http.post("/api/auth/login", json={"username": "officer", "password": password})
            seconds[password] = min(seconds.get(password, 99.0), time.perf_counter() - started)
            answers.setdefault(password, set()).add((answer.status_code, answer.text))
        assert answers[PASSWORD] == answers["letmein123"] == {(401, '{"detail":"wrong username or password"}')}
        assert 1 / 3 < seconds[PASSWORD] / seconds["letmein123"] < 3  # both check the password in full
        locked = await http.post("/api/auth/login", json={"username": "officer", "password": PASSWORD})
        assert locked.status_code == 429  # a right password to a disabled account counts as a failure too
        log = (await http.get("/api/audit", headers=await signed_in(hub, Role.admin))).json()
        assert [e["detail"] for e in log[1:3]] == ["username=officer; disabled, right password", "username=officer"]


async def test_a_cookie_from_another_site_is_refused_whichever_header_tells(tmp_path: Path) -> None:
    async with make_hub(settings(tmp_path)) as hub, httpx.AsyncClient(base_url=console_url(hub)) as http:
        await account(hub)
        signed = await http.post("/api/auth/login", json={"username": "officer", "password": PASSWORD})
        ours = console_url(hub).rstrip("/")
        host = ours.removeprefix("http://")
        forged = [{"Referer": "http://evil.example/page"}, {"Sec-Fetch-Site": "cross-site"},
                  {"Sec-Fetch-Site": "same-site", "Referer": f"http://{host.split(':')[0]}:1/"},
                  {"Origin": f"https://{host}"}, {"Origin": f"http://{host}", "Referer": "http://evil.example/"},
                  {"Origin": "null"}, {"Origin": f"http://{host}", "Sec-Fetch-Site": "cross-site"}]
        for headers in forged:
            refused = await http.post("/api/alerts/1/acknowledge", json={}, headers=headers)
            assert (refused.status_code, refused.json()["detail"]) == (403, "cross-site request refused"), headers
        log = (await http.get("/api/audit", headers=await signed_in(hub, Role.admin))).json()
        assert log[-2]["detail"] == "cross-site: Referer: http://evil.example/page" and log[-2]["username"] == "officer"
        allowed = [{}, {"Origin": ours, "Referer": f"{ours}/cases/", "Sec-Fetch-Site": "same-origin"},
                   {"Origin": f"http://{host.upper()}"}, {"Sec-Fetch-Site": "none"}]
        for headers in allowed:  # no header at all: not a browser, which always tells
            passed = await http.post("/api/alerts/1/acknowledge", json={}, headers=headers)
            assert passed.status_code == 404, headers  # through; there is no alert 1
        http.cookies.clear()
        bearer = {"Authorization": f"Bearer {signed.json()['token']}", "Origin": "http://evil.example"}
        assert (await http.post("/api/alerts/1/acknowledge", json={}, headers=bearer)).status_code == 404
        ws = ours.replace("http://", "ws://") + "/ws/alerts"
        cookie = {"Cookie": f"gridhub_session={signed.json()['token']}"}
        async with websockets.connect(ws, additional_headers={**cookie, "Origin": f"https://{host}"}) as socket:
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(socket.recv(), 5)
            assert socket.close_code == 4403 and socket.close_reason == "cross-site socket refused"
        async with websockets.connect(ws, additional_headers={**cookie, "Origin": ours}) as socket:
            assert json.loads(await asyncio.wait_for(socket.recv(), 5))["type"] == "snapshot"


async def test_another_sites_page_cannot_sign_a_browser_in(tmp_path: Path) -> None:
    async with make_hub(settings(tmp_path)) as hub, httpx.AsyncClient(base_url=console_url(hub)) as http:
        await account(hub)
        ours = console_url(hub).rstrip("/")
        credentials = {"username": "officer", "password": PASSWORD}
        for headers in [{"Origin": "http://evil.example"}, {"Sec-Fetch-Site": "cross-site"},
                        {"Referer": "http://evil.example/login"}, {"Origin": ours.replace("http://", "https://")}]:
            refused = await http.post("/api/auth/login", json=credentials, headers=headers)
            assert (refused.status_code, refused.json()["detail"]) == (403, "cross-site request refused"), headers
            assert "set-cookie" not in refused.headers
        log = (await http.get("/api/audit", headers=await signed_in(hub, Role.admin))).json()
        assert "username=officer; cross-site: Origin: http://evil.example" in [e["detail"] for e in log]
        for headers in [{}, {"Origin": ours, "Sec-Fetch-Site": "same-origin"}]:
            signed = await http.post("/api/auth/login", json=credentials, headers=headers)
            assert signed.status_code == 200, headers
