"""What the hub writes for Janus and for GStreamer: loopback API, two plugins, no STUN, the camera unchanged."""

from __future__ import annotations

import base64
import hashlib
import hmac
import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from adapters.janus.camera import pipeline
from adapters.janus.config import JanusSection
from adapters.janus.jcfg import Secrets, files, render, write
from adapters.janus.turn import ice_policy
from hub.calls.ports import IcePolicy

SECRETS = Secrets("api-secret", "admin-key")


def test_janus_listens_on_loopback_with_two_plugins_and_no_stun(tmp_path: Path) -> None:
    section = JanusSection.model_validate({"ice_interfaces": ["eth0", "10.20."], "rtp_ports": {"first": 30000,
                                                                                             "last": 30199}})
    written = files(section, tmp_path, 8189, SECRETS)
    main, ws = written["janus.jcfg"], written["janus.transport.websockets.jcfg"]
    assert 'api_secret = "api-secret"' in main and "stun" not in main
    assert 'rtp_port_range = "30000-30199"' in main and 'ice_enforce_list = "eth0,10.20."' in main
    assert "libjanus_videoroom.so" not in main.split("plugins: {")[1].split("}")[0]
    assert "libjanus_echotest.so" in main  # disabled, with every other plugin found
    assert 'ws_ip = "127.0.0.1"' in ws and "ws_port = 8189" in ws and "admin_ws = false" in ws
    for plugin in ("videoroom", "streaming"):
        assert 'admin_key = "admin-key"' in written[f"janus.plugin.{plugin}.jcfg"]


def test_the_configuration_is_for_the_hub_alone(tmp_path: Path) -> None:
    path = write(JanusSection(), tmp_path / "janus", 8188, SECRETS)
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_strings_are_quoted_for_libconfig() -> None:
    assert render({"a": {"s": 'say "hi" \\ there', "n": 3, "b": False}}) == \
        'a: {\n\ts = "say \\"hi\\" \\\\ there"\n\tn = 3\n\tb = false\n}\n'


def test_a_camera_is_repacketised_never_decoded() -> None:
    args = pipeline('rtsp://admin:p"w@10.43.1.107:554/Streaming/Channels/101', 21004)
    assert args[args.index("rtspsrc") + 1] == 'location="rtsp://admin:p\\"w@10.43.1.107:554/Streaming/Channels/101"'
    elements = [args[1], *(args[i + 1] for i, a in enumerate(args) if a == "!")]
    assert elements == ["rtspsrc", "rtph264depay", "h264parse", "rtph264pay", "udpsink"]  # no decoder, no encoder
    assert "host=127.0.0.1" in args and "port=21004" in args


def test_browsers_get_turn_only_when_configured() -> None:
    assert ice_policy(JanusSection().turn, "zhangwei", 0) == IcePolicy()
    fixed = JanusSection.model_validate({"turn": {"host": "10.20.0.5", "username": "town", "password": "pw"}})
    (server,) = ice_policy(fixed.turn, "zhangwei", 0).servers
    assert server.urls == ("turn:10.20.0.5:3478?transport=udp", "turn:10.20.0.5:3478?transport=tcp")
    assert (server.username, server.credential) == ("town", "pw")


def test_with_a_shared_secret_each_participant_gets_a_credential_that_expires() -> None:
    section = JanusSection.model_validate({"turn": {"host": "10.20.0.5", "secret": "s3cret", "transports": ["udp"],
                                                    "credential_ttl_s": 3600, "relay_only": True}})
    policy = ice_policy(section.turn, "cadre.shimen", 1_800_000_000.7)
    (server,) = policy.servers
    assert policy.relay_only
    assert server.username == "1800003600:cadre.shimen"  # expiry in Unix seconds, then who
    # coturn's use-auth-secret: base64 of HMAC-SHA1 over the username, keyed by the secret
    expected = base64.b64encode(hmac.new(b"s3cret", b"1800003600:cadre.shimen", hashlib.sha1).digest()).decode()
    assert server.credential == expected
    (other,) = ice_policy(section.turn, "cadre.liuwan", 1_800_000_000).servers
    assert other.credential != server.credential


@pytest.mark.parametrize("turn", [{"host": "h", "secret": "s", "username": "u", "password": "p"},
                                  {"host": "h"}, {"host": "h", "username": "u"}])
def test_turn_takes_a_secret_or_an_account(turn: dict[str, str]) -> None:
    with pytest.raises(ValidationError, match="secret"):
        JanusSection.model_validate({"turn": turn})
