"""Hub settings: command-line options and GRIDHUB_* environment variables, validated."""

from __future__ import annotations

import os
import socket
import ssl
from enum import StrEnum
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

from pydantic import Field, IPvAnyNetwork, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from hub.config_base import Strict

DEFAULT_TOWN = Path(__file__).resolve().parent.parent / "config" / "sample-town.yaml"


class MqttSettings(Strict):
    """An external broker (Mosquitto, EMQX …); absent means the embedded broker."""

    host: str = "127.0.0.1"
    port: int = Field(default=1883, ge=1, le=65535)
    tls: bool = False
    username: str | None = None
    password: str | None = None
    ca_file: Path | None = Field(default=None, description="CA bundle that signed the broker")
    cert_file: Path | None = Field(default=None, description="client certificate (mutual TLS)")
    key_file: Path | None = None
    protocol: Literal["3.1.1", "5"] = "5"
    client_id: str | None = Field(default=None, description="stable id; default gridhub-<town id>")
    keepalive_s: int = Field(default=30, ge=5, le=3600)
    session_expiry_s: int = Field(default=7 * 24 * 3600, ge=0, description="MQTT 5 persistent session")

    def ssl_context(self) -> ssl.SSLContext | bool:
        """The TLS context for mqtts:// (the town CA, a client certificate if given), or False."""
        if not self.tls:
            return False
        context = ssl.create_default_context(cafile=str(self.ca_file) if self.ca_file else None)
        if self.cert_file is not None:
            context.load_cert_chain(str(self.cert_file), str(self.key_file) if self.key_file else None)
        return context

    @property
    def protocol_level(self) -> int:
        """The protocol level the CONNECT packet names: 5 for MQTT 5, 4 for 3.1.1."""
        return 5 if self.protocol == "5" else 4

    @classmethod
    def from_url(cls, url: str, **extra: object) -> MqttSettings:
        """`mqtt://user:pass@host:1883` or `mqtts://host:8883`."""
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "mqtts", "tcp", "ssl"):
            raise ValueError(f"{url!r}: scheme must be mqtt:// or mqtts://")
        if not parts.hostname:
            raise ValueError(f"{url!r}: no host")
        tls = parts.scheme in ("mqtts", "ssl")
        given: dict[str, object] = {"host": parts.hostname, "port": parts.port or (8883 if tls else 1883), "tls": tls}
        if parts.username:
            given["username"] = unquote(parts.username)
        if parts.password:
            given["password"] = unquote(parts.password)
        return cls.model_validate(given | extra)


class Scenario(StrEnum):
    NORMAL = "normal"
    FLOOD = "flood"


class DemoSettings(Strict):
    """Simulated devices for the sample town."""

    scenario: Scenario = Scenario.NORMAL
    interval_s: float = Field(default=60.0, gt=0, description="seconds between one station's reports")
    speed: float = Field(default=1.0, gt=0, description="simulated seconds per real second")
    lead_h: float = Field(default=6.0, ge=0, le=48,
                          description="when faster than real time: how far back the simulated clock starts")


class RecorderSettings(Strict):
    batch_rows: int = Field(default=5000, ge=1, description="most rows in one commit")
    queue_batches: int = Field(default=256, ge=1, description="batches waiting before ingest is held back")
    retention_days: float = Field(default=400, gt=0)


class InfluxSettings(Strict):
    """A time-series database every reading is also written to: InfluxDB, or an engine that speaks its protocol."""

    url: str = Field(pattern=r"^https?://", description="e.g. http://127.0.0.1:8086")
    api: Literal["v2", "v1"] = Field(default="v2", description="v2: /api/v2/write (InfluxDB 2.x/3.x, "
                                     "VictoriaMetrics …); v1: /write (InfluxDB 1.x)")
    token: str | None = Field(default=None, description="v2 API token")
    org: str = Field(default="gridhub", description="v2 organisation")
    bucket: str = Field(default="gridhub", description="v2 bucket")
    database: str = Field(default="gridhub", description="v1 database")
    retention_policy: str | None = Field(default=None, description="v1 retention policy; default: the database's")
    username: str | None = Field(default=None, description="v1 user")
    password: str | None = Field(default=None, description="v1 password")
    timeout_s: float = Field(default=10.0, gt=0, le=300, description="one write request")
    batch_bytes: int = Field(default=512 * 1024, ge=1024, description="most line protocol in one request")
    spool_dir: Path | None = Field(default=None, description="default: <data_dir>/influx-spool")
    spool_max_bytes: int = Field(default=1 << 30, ge=1 << 20, description="backlog kept on disk while the "
                                 "database is away; past it, new readings are counted and not sent")


class HttpsSettings(Strict):
    """The console over HTTPS: browsers grant camera and microphone (video calls) only to secure pages."""

    cert_file: Path | None = Field(default=None, description="PEM certificate (chain) to serve; default: one the "
                                   "hub makes from its town CA in <data_dir>/tls")
    key_file: Path | None = Field(default=None, description="its private key (PEM); default: in cert_file")
    hosts: tuple[str, ...] = Field(default=(), description="names and addresses villages reach the console at, "
                                   "for the certificate the hub makes (loopback and the machine's name are added)")


class Role(StrEnum):
    """What one process of a deployment does (`gridhub run --role`)."""

    ALL = "all"  # everything in one process: the one-machine default
    INGEST = "ingest"  # owns a share of the devices: their feeds, derived series, health, cameras
    CORE = "core"  # the state machines (alerts, dispatch, cases, broadcast, calls): one leader, standbys
    CONSOLE = "console"  # the console: any number, stateless


class HubSettings(BaseSettings):
    """Everything `gridhub run` needs; each field can be set as GRIDHUB_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="GRIDHUB_", env_nested_delimiter="__", extra="forbid")

    town_file: Path = DEFAULT_TOWN
    data_dir: Path = Path("data")
    store: str = "sqlite"
    alert_store: str = Field(default="sql", description="plugin that keeps alerts, their history and deliveries")
    state_url: str | None = Field(default=None, description="SQLAlchemy URL of the alert store; "
                                  "default sqlite:///<data_dir>/state.sqlite3, or postgresql+psycopg://…")
    series_url: str | None = Field(default=None, description="SQLAlchemy URL of the shared series store "
                                   "(store=postgres); default: state_url")
    role: Role = Field(default=Role.ALL, description="what this process does; all but `all` need PostgreSQL")
    process_name: str | None = Field(default=None, max_length=64, pattern=r"^[A-Za-z0-9._-]+$",
                                     description="this process's name among its peers (MQTT client ids, leases); "
                                     "default <host>-<pid>")
    shards: int = Field(default=16, ge=1, le=1024, description="how many shares the devices are leased in; "
                        "the same for every process of a town")
    files_dir: Path | None = Field(default=None, description="photos, camera snapshots and synthesised speech; "
                                   "default <data_dir>. Processes of one town share it (see README, Running a county)")
    console_url: str | None = Field(default=None, description="the console's address as people reach it, for links")
    rise_window_s: float = Field(default=3600.0, gt=0, description="window of the water level's rate of rise")
    metrics_token: SecretStr | None = Field(default=None, description="lets a Prometheus scraper read /metrics "
                                                                     "with this bearer token; else staff only")
    register_key: SecretStr | None = Field(default=None, description="base64 of 32 random bytes: the key of the "
                                           "register's ID numbers and phones (never kept in the database)")
    robot_keys: dict[str, SecretStr] = Field(default_factory=dict, description="grid id → the key of its WeChat "
                                             "group robot, for grid notices (GRIDHUB_ROBOT_KEYS='{\"G19\": \"…\"}'); "
                                             "wins over the town file's gridwork.notices.robots")
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=0, le=65535)
    trusted_proxies: tuple[IPvAnyNetwork, ...] = Field(
        default=(), description="addresses or networks (CIDR) of reverse proxies, and of multi-process mode's console "
        "processes, whose X-Forwarded-For the console believes (GRIDHUB_TRUSTED_PROXIES='[\"10.0.0.7\"]'); none: "
        "the address is the connection's")
    https: HttpsSettings | None = Field(default=None, description="serve the console over HTTPS (GRIDHUB_HTTPS={} "
                                        "or GRIDHUB_HTTPS__HOSTS='[\"10.0.0.5\"]'); off: plain HTTP")
    mqtt: MqttSettings | None = None
    embedded_port: int = Field(default=18830, ge=0, le=65535, description="loopback port of the embedded broker")
    max_payload_bytes: int = Field(default=64 * 1024, ge=64)
    ingest_flush_s: float = Field(default=0.0, ge=0, le=5, description="how long an MQTT ingest batch gathers "
                                  "messages before it is handed in; 0: as soon as the loop has read what arrived")
    ingest_batch: int = Field(default=500, ge=1, description="messages per ingest batch")
    health_check_s: float = Field(default=5.0, gt=0)
    memwatch_s: float = Field(default=0.0, ge=0, description="every so many seconds, append where memory goes to "
                              "<data_dir>/memwatch.txt (objects by type; see memwatch_frames); 0: never")
    memwatch_frames: int = Field(default=0, ge=0, le=64, description="with memwatch_s: trace allocations (slower) "
                                 "and report the places that grew, with this many frames of each traceback")
    state_give_up_s: float = Field(default=60.0, gt=0, description="how long a failing write of alerts, cases or "
                                   "broadcast jobs is retried before the process stops, for its supervisor or a "
                                   "standby to take over")
    recorder: RecorderSettings = RecorderSettings()
    demo: DemoSettings | None = None
    influx: InfluxSettings | None = None

    def files(self) -> Path:
        """Where files that any process may serve live: photos, snapshots, speech."""
        return self.files_dir or self.data_dir

    def name(self) -> str:
        """This process's name among its peers."""
        return self.process_name or f"{socket.gethostname()}-{os.getpid()}"

    def forwarded_allow_ips(self) -> list[str] | None:
        """uvicorn's list of proxies to believe, or None to believe none (it would trust loopback by default)."""
        return [str(network) for network in self.trusted_proxies] or None

    def client_id(self, town_id: str) -> str:
        """The base of this process's MQTT client ids: distinct per process unless there is only one."""
        base = self.broker().client_id or f"gridhub-{town_id}"
        return base if self.role is Role.ALL else f"{base}-{self.role.value}-{self.name()}"

    def broker(self) -> MqttSettings:
        """The broker the hub's clients connect to, embedded or configured."""
        if self.mqtt is not None:
            return self.mqtt
        return MqttSettings(host="127.0.0.1", port=self.embedded_port, protocol="3.1.1")
