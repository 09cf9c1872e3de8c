"""The `gridhub` command: run the hub, run the demo town, check a town file, create an admin."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from hub.app import Hub
from hub.configfile import ConfigError
from hub.county.config import County, load_county
from hub.county.tls import issue_town_cert
from hub.registry import Registry, Service
from hub.settings import DEFAULT_TOWN, DemoSettings, HubSettings, MqttSettings, Scenario
from hub.settings import Role as ProcessRole
from hub.townfile import LoadedTown, load_town
from hub.users.model import COUNTY_ROLES, TOWN_ROLES, Role
from hub.users.service import UserError, UserService

app = typer.Typer(help="gridhub: the township command centre's hub.", no_args_is_help=True)
out = Console()
err = Console(stderr=True)

TownOpt = Annotated[Path, typer.Option("--town", help="town file (YAML)")]
MqttOpt = Annotated[str | None, typer.Option("--mqtt", help="broker URL, mqtt://host:1883 or mqtts://…; "
                                                            "default: an embedded broker on loopback")]
HttpPortOpt = Annotated[int | None, typer.Option("--http-port", help="console port [default: 8080]")]
EmbeddedPortOpt = Annotated[int | None, typer.Option(help="embedded broker port [default: 18830]")]


def _broker_options(mqtt: str | None, username: str | None, password: str | None, ca: Path | None,
                    cert: Path | None, key: Path | None, protocol: str) -> MqttSettings | None:
    if mqtt is None:
        return None
    try:
        return MqttSettings.from_url(mqtt, **{k: v for k, v in {
            "username": username, "password": password, "ca_file": ca, "cert_file": cert, "key_file": key,
            "protocol": protocol}.items() if v is not None})
    except ValueError as exc:  # pydantic's ValidationError is a ValueError too
        err.print(f"✗ --mqtt: {exc}", highlight=False)
        raise typer.Exit(2) from None


def _load(town: Path, registry: Registry) -> LoadedTown:
    try:
        return load_town(town, registry)
    except ConfigError as exc:
        for problem in exc.problems:
            err.print(f"[red]✗[/red] {problem}", markup=True, highlight=False)
        raise typer.Exit(1) from None


async def _serve(hub: Hub) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with hub:
        for service in hub.services:
            url = getattr(service, "url", "")
            if url:
                out.print(f"{service.name}: {url}", highlight=False)
        out.print(f"gridhub running ({hub.settings.role.value}); Ctrl-C stops it.")
        waits = [asyncio.create_task(stop.wait()), asyncio.create_task(hub.deposed.wait())]
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for task in waits:
            task.cancel()
    if hub.deposed.is_set():
        err.print(f"✗ {hub.why_deposed}, so it stops", highlight=False)
        raise SystemExit(3)
    out.print("gridhub stopped.")


def _given(broker: MqttSettings | None) -> dict[str, object] | None:
    """Only what the options said, so that GRIDHUB_MQTT__* variables fill in the rest."""
    return None if broker is None else broker.model_dump(exclude_unset=True)


def _settings(**given: object) -> HubSettings:
    """Settings from the options the user gave, the rest from GRIDHUB_* variables and defaults."""
    try:
        return HubSettings.model_validate({k: v for k, v in given.items() if v is not None})
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            err.print(f"✗ setting {'.'.join(map(str, error['loc']))}: {error['msg']}", highlight=False)
        raise typer.Exit(2) from None


def _run(settings: HubSettings) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # gmqtt logs every packet of every connection at INFO; the hub logs what matters of them itself.
    logging.getLogger("gmqtt").setLevel(logging.WARNING)
    registry = Registry.discover()
    loaded = _load(settings.town_file, registry)
    asyncio.run(_serve(Hub(settings, loaded, registry)))


@app.command()
def run(
    town: TownOpt = DEFAULT_TOWN,
    mqtt: MqttOpt = None,
    mqtt_username: Annotated[str | None, typer.Option(help="broker user")] = None,
    mqtt_password: Annotated[str | None, typer.Option(help="broker password", envvar="GRIDHUB_MQTT_PASSWORD")] = None,
    mqtt_ca: Annotated[Path | None, typer.Option(help="CA file for mqtts://")] = None,
    mqtt_cert: Annotated[Path | None, typer.Option(help="client certificate")] = None,
    mqtt_key: Annotated[Path | None, typer.Option(help="client key")] = None,
    mqtt_protocol: Annotated[str, typer.Option(help="5 or 3.1.1")] = "5",
    http_host: Annotated[str | None, typer.Option(help="console address [default: 127.0.0.1]")] = None,
    http_port: HttpPortOpt = None,
    https: Annotated[bool, typer.Option("--https", help="serve the console over HTTPS (video calls need it)")] = False,
    https_host: Annotated[list[str] | None, typer.Option(help="a name or address villages reach the console at, "
                                                              "for the certificate (repeatable)")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="where the store lives [default: data]")] = None,
    embedded_port: EmbeddedPortOpt = None,
    role: Annotated[ProcessRole | None, typer.Option(help="all: everything in one process [default]; ingest, core or "
                                                   "console: one part of a town run as several processes "
                                                   "(see README, Running a county)")] = None,
    name: Annotated[str | None, typer.Option(help="this process's name among its peers [default: host-pid]")] = None,
    county: Annotated[Path | None, typer.Option("--county", help="run the county hub of this county file instead "
                                                "of a town (see README, A county)")] = None,
) -> None:
    """Run the hub for a town, or with --county the county hub its towns link to."""
    if county is not None:
        _run_county(_settings(http_host=http_host, http_port=http_port, data_dir=data_dir), county)
        return
    broker = _broker_options(mqtt, mqtt_username, mqtt_password, mqtt_ca, mqtt_cert, mqtt_key, mqtt_protocol)
    _run(_settings(town_file=town, mqtt=_given(broker), http_host=http_host, http_port=http_port, data_dir=data_dir,
                   embedded_port=embedded_port, https={"hosts": https_host or []} if https else None,
                   role=role, process_name=name))


def _load_county(path: Path) -> County:
    try:
        return load_county(path)
    except ConfigError as exc:
        for problem in exc.problems:
            err.print(f"[red]✗[/red] {problem}", markup=True, highlight=False)
        raise typer.Exit(1) from None


def _run_county(settings: HubSettings, path: Path) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    county = _load_county(path)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    asyncio.run(_serve_county(Registry.discover().county_hub()(settings, county)))


async def _serve_county(service: Service) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await service.start()
    try:
        for name in ("link", "view"):
            out.print(f"county {name}: {getattr(getattr(service, name), 'url', '')}", highlight=False)
        out.print("gridhub running (county); Ctrl-C stops it.")
        await stop.wait()
    finally:
        await service.stop()
    out.print("gridhub stopped.")


@app.command()
def demo(
    scenario: Annotated[Scenario, typer.Option(help="normal, or flood: rain builds, rivers pass warning")] =
        Scenario.NORMAL,
    interval: Annotated[float, typer.Option(help="simulated seconds between a station's reports")] = 60.0,
    speed: Annotated[float, typer.Option(help="simulated seconds per real second")] = 1.0,
    mqtt: MqttOpt = None,
    http_port: HttpPortOpt = None,
    data_dir: Annotated[Path, typer.Option(help="where the demo's store lives")] = Path("data/demo"),
    embedded_port: EmbeddedPortOpt = None,
) -> None:
    """Run the hub with the simulated sample town."""
    broker = _broker_options(mqtt, None, None, None, None, None, "5")
    _run(_settings(town_file=DEFAULT_TOWN, mqtt=_given(broker), http_port=http_port, data_dir=data_dir,
                   embedded_port=embedded_port,
                   demo=DemoSettings(scenario=scenario, interval_s=interval, speed=speed)))


@app.command("check-config")
def check_config(file: Annotated[Path, typer.Argument(help="town file to check")]) -> None:
    """Validate a town file; print a summary, or every problem with its line."""
    loaded = _load(file, Registry.discover())
    _summary(loaded)


def _summary(loaded: LoadedTown) -> None:
    t = loaded.town
    grids = sum(len(v.grids) for v in t.villages)
    table = Table(title=f"{t.town.name} ({t.town.id}, {t.town.admin_code})")
    table.add_column("")
    table.add_column("count", justify="right")
    kinds: Counter[Any] = Counter(v.kind.value for v in t.villages)
    for label, n in [("villages", kinds["village"]), ("communities", kinds["community"]), ("grids", grids),
                     *((f"devices: {k}", n) for k, n in sorted(Counter(d.kind.value for d in t.devices).items())),
                     *((f"teams: {k}", n) for k, n in sorted(Counter(x.kind.value for x in t.teams).items())),
                     ("team members", sum(len(x.members) for x in t.teams))]:
        table.add_row(label, str(n))
    out.print(table)
    for warning in loaded.warnings:
        out.print(f"[yellow]![/yellow] {warning}", highlight=False)
    out.print(f"[green]✓[/green] {len(loaded.warnings)} warnings, no errors")


@app.command("create-admin")
def create_admin(
    username: Annotated[str, typer.Argument(help="sign-in name: lower-case letters, digits, . _ -")],
    name: Annotated[str, typer.Option(help="full name, shown in histories and the audit log")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True,
                                          envvar="GRIDHUB_ADMIN_PASSWORD", help="at least 8 characters")],
    data_dir: Annotated[Path | None, typer.Option(help="where the hub's state lives [default: data]")] = None,
    county: Annotated[Path | None, typer.Option("--county", help="a county hub's admin (county_admin), for the "
                                                "county hub of this county file")] = None,
) -> None:
    """Create an admin account (the first one, before the console can be used), or reset an admin's password."""
    settings = _settings(data_dir=data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    role, roles = (Role.county_admin, COUNTY_ROLES) if county is not None else (Role.admin, TOWN_ROLES)
    if county is not None:
        _load_county(county)  # the right file, checked, before an account is made for its hub
    users = UserService(Registry.discover().user_store(settings.alert_store)(settings), set(), roles=roles)
    try:
        asyncio.run(_create_admin(users, username, name, password, role))
    except (UserError, ValueError) as exc:
        err.print(f"✗ {exc}", highlight=False)
        raise typer.Exit(2) from None
    finally:
        users.store.close()
    out.print(f"[green]✓[/green] {role.value} {username!r} can sign in at the console", highlight=False)


async def _create_admin(users: UserService, username: str, name: str, password: str, role: Role) -> None:
    await users.start()
    existing = users.users.get(username)
    if existing is None:
        await users.create(username, password, name, role)
    elif existing.role is role:
        await users.update(username, name=name, password=password, disabled=False)
    else:
        raise UserError(f"{username!r} is an account of role {existing.role.value}, not {role.value}")


county_cli = typer.Typer(help="The county hub and its towns' credentials.", no_args_is_help=True)
app.add_typer(county_cli, name="county")
CountyFileOpt = Annotated[Path, typer.Option("--county", help="county file (YAML)")]


@county_cli.command("check")
def county_check(file: Annotated[Path, typer.Argument(help="county file to check")]) -> None:
    """Validate a county file; print its towns and rivers, or every problem with its line."""
    county = _load_county(file)
    for basin in county.basins:
        out.print(f"{basin.name}: {' → '.join(r.town for r in basin.reaches)}", highlight=False)
    out.print(f"[green]✓[/green] {county.county.name}: {len(county.towns)} towns, {len(county.basins)} rivers, "
              "no errors", highlight=False)


@county_cli.command("issue-cert")
def county_issue_cert(
    town: Annotated[str, typer.Argument(help="the town's id in the county file")],
    county: CountyFileOpt,
    out_dir: Annotated[Path, typer.Option("--out", help="where to write <town>.pem, <town>.key and county-ca.pem")],
    data_dir: Annotated[Path | None, typer.Option(help="the county hub's data folder, where its CA lives "
                                                       "[default: data]")] = None,
) -> None:
    """Issue a town's client certificate from the county CA (made on first use), for its file's county section."""
    settings = _settings(data_dir=data_dir)
    try:
        files = issue_town_cert(settings.data_dir, _load_county(county), town, out_dir)
    except KeyError as exc:
        err.print(f"✗ {exc.args[0]}", highlight=False)
        raise typer.Exit(2) from None
    out.print(f"[green]✓[/green] {files.cert}, {files.key}; the town trusts {files.ca} "
              f"(SHA-256 {files.fingerprint})", highlight=False)


db = typer.Typer(help="The state database (alerts, dispatch, cases, users, broadcast, calls): GRIDHUB_STATE_URL, "
                      "else SQLite in the data folder.", no_args_is_help=True)
app.add_typer(db, name="db")
StateDirOpt = Annotated[Path | None, typer.Option(help="where the hub's state lives, if not GRIDHUB_STATE_URL "
                                                       "[default: data]")]


@db.command("upgrade")
def db_upgrade(data_dir: StateDirOpt = None) -> None:
    """Upgrade the state database's schema to this version's newest revision (the hub also does it at start)."""
    settings = _settings(data_dir=data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        revision = Registry.discover().state_migrate(settings.alert_store)(settings)
    except Exception as exc:
        raise _state_failed(exc) from None
    out.print(f"[green]✓[/green] state database at revision {revision}", highlight=False)


@db.command("current")
def db_current(data_dir: StateDirOpt = None) -> None:
    """Print the revision the state database is at ("none" before its first upgrade)."""
    settings = _settings(data_dir=data_dir)
    try:
        revision = Registry.discover().state_revision(settings.alert_store)(settings)
    except Exception as exc:
        raise _state_failed(exc) from None
    out.print(revision or "none", highlight=False)


def _state_failed(exc: Exception) -> typer.Exit:
    # An unreachable server, a wrong password, a schema newer than this version: one line, not a traceback.
    err.print(f"✗ state database: {exc}", highlight=False)
    return typer.Exit(1)


def main() -> None:
    app()
