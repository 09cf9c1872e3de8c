"""What the hub writes for Janus and for GStreamer: loopback API, two plugins, no STUN, the camera unchanged."""

from __future__ import annotations

import stat
from pathlib import Path

from adapters.janus.camera import pipeline
from adapters.janus.config import JanusSection
from adapters.janus.jcfg import Secrets, files, render, write
from adapters.janus.sfu import ice_servers

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
    assert ice_servers(JanusSection()) == ()
    turn = JanusSection.model_validate({"turn": {"host": "10.20.0.5", "username": "town", "password": "pw"}})
    (server,) = ice_servers(turn)
    assert server.urls == ("turn:10.20.0.5:3478?transport=udp", "turn:10.20.0.5:3478?transport=tcp")
    assert (server.username, server.credential) == ("town", "pw")
