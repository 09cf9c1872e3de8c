"""The plugins this package contributes (declared as entry points in pyproject.toml).

Factories import their modules lazily so that `gridhub check-config` does not
pay for paho, amqtt or SQLite set-up it will not use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.hj212.config import Hj212Config
from adapters.hj212.config import check_section as check_hj212
from adapters.jsonmap import JsonAdapterConfig, check_section
from adapters.notify.config import MqttNotifierConfig, WebhookConfig, WecomConfig
from adapters.sl651.config import Sl651Config
from adapters.sl651.config import check_section as check_sl651
from adapters.speakers.config import SpeakerMqttConfig
from adapters.speakers.config import check_section as check_speakers
from hub.alerts.notify import NotifierType
from hub.registry import Plugin

if TYPE_CHECKING:
    from adapters.station_links import StationLinks
    from hub.alerts.notify import Notifier
    from hub.alerts.store import AlertStore
    from hub.cases.store import CaseStore
    from hub.cluster import Election, FeedRelay, LeaderProxy
    from hub.context import HubContext
    from hub.dispatch.store import DispatchStore
    from hub.registry import Service
    from hub.settings import HubSettings
    from hub.store import Store
    from hub.users.store import UserStore


def _mqtt(ctx: HubContext) -> Service:
    from adapters.hj212.mqtt import Hj212PayloadDecoder
    from adapters.mqtt.service import MqttIngestService
    from adapters.sl651.mqtt import Sl651PayloadDecoder

    hj212 = Hj212PayloadDecoder(ctx.town, ctx.sections.get("hj212", Hj212Config()))
    sl651 = Sl651PayloadDecoder(ctx.town, ctx.sections.get("sl651", Sl651Config()), ctx.async_device_event)
    return MqttIngestService(ctx, [*((topic, hj212) for topic in hj212.topics),
                                   *((topic, sl651) for topic in sl651.topics)])


def _mqtt_out(ctx: HubContext) -> Service:
    from adapters.mqtt.publisher import HubPublisher

    return HubPublisher(ctx)


def _station_links(ctx: HubContext) -> StationLinks:
    """The one command log and link table of a hub's station edges (HJ 212 and SL 651 share it)."""
    from adapters.command_store import SqlCommandStore
    from adapters.sql import state_url
    from adapters.station_links import StationLinks

    if isinstance(ctx.station_commands, StationLinks):
        return ctx.station_commands
    protocols = {d.id: d.adapter for d in ctx.town.devices if d.adapter in ("hj212", "sl651")}
    return StationLinks(SqlCommandStore(state_url(ctx.settings)), ctx.clock, protocols)


def _hj212(ctx: HubContext) -> Service | None:
    from adapters.hj212.server import hj212_server

    config: Hj212Config = ctx.sections.get("hj212", Hj212Config())
    if config.listen is None or not any(d.adapter == "hj212" for d in ctx.town.devices):
        return None
    return hj212_server(ctx, config, config.listen, _station_links(ctx))


def _sl651(ctx: HubContext) -> Service | None:
    from adapters.sl651.server import sl651_server

    config: Sl651Config = ctx.sections.get("sl651", Sl651Config())
    if not any(d.adapter == "sl651" for d in ctx.town.devices):
        return None
    return sl651_server(ctx, config, _station_links(ctx))


def _influx(ctx: HubContext) -> Service | None:
    from adapters.influx.service import InfluxSink

    return InfluxSink(ctx, ctx.settings.influx) if ctx.settings.influx is not None else None


def _embedded_broker(ctx: HubContext) -> Service | None:
    from adapters.embedded_broker import EmbeddedBroker

    return EmbeddedBroker(ctx.settings) if ctx.settings.mqtt is None else None


def _sqlite(settings: HubSettings) -> Store:
    from adapters.sqlite_store import SqliteStore

    return SqliteStore(settings.data_dir / "gridhub.sqlite3")


def _postgres(settings: HubSettings) -> Store:
    from adapters.pg_series import PgSeriesStore
    from hub.settings import Role

    url = settings.series_url or settings.state_url
    if not url or not url.startswith("postgresql"):
        given = f"not {url.split(':', 1)[0]}:" if url else "neither is set"  # the scheme only: URLs hold passwords
        raise ValueError("store=postgres needs GRIDHUB_SERIES_URL (or GRIDHUB_STATE_URL) set to a "
                         f"postgresql+psycopg://user@host/db URL; {given}")
    # Ingest workers log what they commit, for the core to follow; other roles only read the store.
    return PgSeriesStore(url, ingest_log=settings.role == Role.INGEST)


def _alert_store(settings: HubSettings) -> AlertStore:
    from adapters.alert_store import SqlAlertStore
    from adapters.sql import default_url

    return SqlAlertStore(settings.state_url or default_url(settings.data_dir))


def _dispatch_store(settings: HubSettings) -> DispatchStore:
    from adapters.dispatch_store import SqlDispatchStore
    from adapters.sql import default_url

    return SqlDispatchStore(settings.state_url or default_url(settings.data_dir))


def _user_store(settings: HubSettings) -> UserStore:
    from adapters.sql import default_url
    from adapters.user_store import SqlUserStore

    return SqlUserStore(settings.state_url or default_url(settings.data_dir))


def _case_store(settings: HubSettings) -> CaseStore:
    from adapters.case_store import SqlCaseStore
    from adapters.sql import default_url

    return SqlCaseStore(settings.state_url or default_url(settings.data_dir))


def _state_migrate(settings: HubSettings) -> str:
    from adapters.sql import prepare_state

    return prepare_state(settings)


def _state_revision(settings: HubSettings) -> str | None:
    from adapters.sql import state_revision

    return state_revision(settings)


def _simulators(ctx: HubContext) -> Service | None:
    from adapters.sim.service import SimulatorService

    return SimulatorService(ctx) if ctx.settings.demo is not None else None


def _speakers(ctx: HubContext) -> Service:
    from adapters.speakers.service import SpeakerService, broadcast_service

    config = ctx.sections.get("speaker-mqtt", SpeakerMqttConfig())
    return SpeakerService(ctx, config, broadcast_service(ctx, config))


def _speaker_sim(ctx: HubContext) -> Service | None:
    from adapters.speakers.service import SpeakerSimService

    config = ctx.sections.get("speaker-mqtt", SpeakerMqttConfig())
    return SpeakerSimService(ctx, config) if ctx.settings.demo is not None else None


def _wecom(config: WecomConfig, _ctx: HubContext) -> Notifier:
    from adapters.notify.wecom import WecomNotifier

    return WecomNotifier(config)


def _webhook(config: WebhookConfig, _ctx: HubContext) -> Notifier:
    from adapters.notify.webhook import WebhookNotifier

    return WebhookNotifier(config)


def _mqtt_notifier(config: MqttNotifierConfig, ctx: HubContext) -> Notifier:
    from adapters.notify.mqtt import MqttNotifier

    broker = ctx.settings.broker()
    client_id = ctx.settings.client_id(ctx.town.town.id)
    return MqttNotifier(config, broker, f"{client_id}-notify-{config.name}", ctx.metrics)


def _ingest_worker(ctx: HubContext) -> Service:
    from adapters.cluster.ingest import IngestWorker

    return IngestWorker(ctx)


def _station_commands(ctx: HubContext) -> Service | None:
    from adapters.cluster.commands import RemoteCommander
    from adapters.command_store import SqlCommandStore

    url = ctx.settings.state_url
    if url is None or not any(d.adapter in ("hj212", "sl651") for d in ctx.town.devices):
        return None
    return RemoteCommander(ctx, url, SqlCommandStore(url))


def _log_follower(ctx: HubContext) -> Service:
    from adapters.cluster.follower import LogFollower

    return LogFollower(ctx)


def _leader_proxy(settings: HubSettings, town_id: str) -> LeaderProxy:
    from adapters.cluster.service import LeaderLink

    return LeaderLink(settings, town_id)


def _feed_relay(settings: HubSettings, town_id: str) -> FeedRelay:
    from adapters.cluster.relay import PgFeedRelay

    return PgFeedRelay(settings, town_id)


def _register(ctx: HubContext) -> Service:
    from adapters.register_service import RegisterEdge, register_service

    return RegisterEdge(register_service(ctx.settings, ctx.town), ctx.settings.demo is not None)


def _gridwork(ctx: HubContext) -> Service:
    from adapters.gridwork_service import GridworkEdge, gridwork_service

    return GridworkEdge(gridwork_service(ctx), ctx.settings.demo is not None, ctx.cases.photos)


def _election(settings: HubSettings, town_id: str) -> Election:
    from adapters.cluster.election import PgElection

    return PgElection(settings, town_id)


JSON = Plugin("json", device_adapters=frozenset({"json"}), section=JsonAdapterConfig, check=check_section)
MQTT = Plugin("mqtt", service=_mqtt, order=20, roles=frozenset({"all"}))
# After the broker and ingest, before the edges that offer it messages (cameras); where camera events are
# published: the one process, or the core leader, which follows them from the ingest workers that read the cameras.
MQTT_OUT = Plugin("mqtt-out", service=_mqtt_out, order=21)
EMBEDDED_BROKER = Plugin("embedded-broker", service=_embedded_broker, order=10, roles=frozenset({"all"}))
HJ212 = Plugin("hj212", device_adapters=frozenset({"hj212"}), section=Hj212Config, check=check_hj212,
               service=_hj212, order=30, roles=frozenset({"all"}))  # an ingest worker listens with its share
SL651 = Plugin("sl651", device_adapters=frozenset({"sl651"}), section=Sl651Config, check=check_sl651,
               service=_sl651, order=31, roles=frozenset({"all"}))
# Before the edges, so it sees their first batches.
INFLUX = Plugin("influx", service=_influx, order=15, roles=frozenset({"all", "ingest"}))
SQLITE = Plugin("sqlite", store=_sqlite)
POSTGRES = Plugin("postgres", store=_postgres)
SQL_ALERTS = Plugin("sql", alert_store=_alert_store, dispatch_store=_dispatch_store, user_store=_user_store,
                    case_store=_case_store, state_migrate=_state_migrate, state_revision=_state_revision)
SIMULATORS = Plugin("simulators", service=_simulators, order=90, roles=frozenset({"all"}))
NOTIFY = Plugin("notify", notifiers={"wecom": NotifierType(WecomConfig, _wecom),
                                     "webhook": NotifierType(WebhookConfig, _webhook),
                                     "mqtt": NotifierType(MqttNotifierConfig, _mqtt_notifier)})
SPEAKERS = Plugin("speaker-mqtt", device_adapters=frozenset({"speaker-mqtt"}), section=SpeakerMqttConfig,
                  check=check_speakers, service=_speakers, order=25)
SPEAKER_SIM = Plugin("speaker-sim", service=_speaker_sim, order=91, roles=frozenset({"all"}))
CLUSTER = Plugin("cluster", election=_election, feed_relay=_feed_relay, leader_proxy=_leader_proxy)
INGEST_WORKER = Plugin("ingest-worker", service=_ingest_worker, order=20, roles=frozenset({"ingest"}))
# The leader's console sends station commands through the ingest worker holding the station's port.
STATION_COMMANDS = Plugin("station-commands", service=_station_commands, order=40, roles=frozenset({"core"}))
LOG_FOLLOWER = Plugin("log-follower", service=_log_follower, order=95, roles=frozenset({"core"}))
# Where the console runs; console processes pass the register's requests to the core leader, whose register answers.
REGISTER = Plugin("register", service=_register, order=70)
GRIDWORK = Plugin("gridwork", service=_gridwork, order=71)  # after the register, whose houses it inspects
