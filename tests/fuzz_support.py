"""An OpenAPI-driven fuzz of the console (schemathesis over real HTTP): every operation, as each caller, time-boxed."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis.errors import HypothesisException
from schemathesis import Case, GenerationMode
from schemathesis.schemas import APIOperation, BaseSchema

# Operations a fuzz must not call: signing out ends the caller's own session, and a live MJPEG never ends.
SKIPPED = frozenset({("POST", "/api/auth/logout"), ("GET", "/api/cameras/{camera}/mjpeg")})


@dataclass
class ServerError:
    """One 5xx answer, with what to replay it."""

    status: int
    label: str
    curl: str
    body: str


@dataclass
class FuzzRun:
    """What one caller's fuzz tried and what answered 5xx."""

    role: str
    requests: int = 0
    errors: list[ServerError] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)

    def summary(self) -> str:
        statuses = sorted(self.statuses.items())
        return f"{self.role}: {self.requests} requests, {len(self.errors)} of 5xx, statuses {statuses}"


@dataclass(frozen=True)
class Caller:
    """Who the fuzz calls as: a role's name and how to get a fresh Authorization header (after a 401)."""

    role: str
    headers: Callable[[], dict[str, str]]
    renews: bool = True


def load(base_url: str) -> BaseSchema:
    schema = requests.get(base_url.rstrip("/") + "/openapi.json", timeout=10).json()
    return schemathesis.openapi.from_dict(schema)


def operations(schema: BaseSchema) -> list[APIOperation]:
    found = [result.ok() for result in schema.get_all_operations()]
    return [op for op in found if (op.method.upper(), op.path) not in SKIPPED]


def generate(schema: BaseSchema, seconds: float, examples: int) -> list[Case]:
    """Up to *examples* valid and as many invalid inputs of each operation, drawn in *seconds* at most.

    Drawn once and sent as every caller: drawing costs more than sending, and each role meets the same inputs.
    """
    cases: list[Case] = []
    ops = operations(schema)
    deadline = time.monotonic() + seconds
    for index, op in enumerate(ops):
        share = (deadline - time.monotonic()) / (len(ops) - index)  # what is left, shared by what is left
        modes = list(GenerationMode) if list(op.iter_parameters()) or len(op.body) else [GenerationMode.POSITIVE]
        for mode in modes:  # an operation without inputs has no invalid ones
            cases += _draw(op, mode, examples, time.monotonic() + share / len(modes))
    return cases


class _TimeUp(Exception):
    """The operation's share of the time is spent."""


def _draw(op: APIOperation, mode: GenerationMode, examples: int, until: float) -> list[Case]:
    drawn: list[Case] = []

    @given(case=op.as_strategy(generation_mode=mode))
    @settings(max_examples=examples, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet)
    def keep(case: Case) -> None:
        if time.monotonic() > until:
            raise _TimeUp
        drawn.append(case)

    with contextlib.suppress(_TimeUp, HypothesisException):  # out of time, or no input of this mode exists
        keep()
    return drawn


def send(base_url: str, cases: list[Case], caller: Caller) -> FuzzRun:
    """Every case as *caller*; after a 401 (the fuzz changed the account's password) it signs in again."""
    run, session = FuzzRun(caller.role), requests.Session()
    headers = caller.headers()
    for case in cases:
        status, text = _send(case, base_url, session, headers)
        if status == 401 and caller.renews:
            headers = caller.headers()
            status, text = _send(case, base_url, session, headers)
        run.requests += 1
        run.statuses[status] = run.statuses.get(status, 0) + 1
        if status >= 500:
            run.errors.append(ServerError(status, case.operation.label, case.as_curl_command(), text[:300]))
    return run


def _send(case: Case, base_url: str, session: requests.Session, auth: dict[str, str]) -> tuple[int, str]:
    """The answer's status and text; a dropped connection is as bad as a 5xx, so it counts as 599."""
    try:
        response = case.call(base_url=base_url.rstrip("/"), session=session,
                             headers={**(case.headers or {}), **auth}, timeout=10)
    except requests.RequestException as exc:
        return 599, str(exc)
    return response.status_code, response.text_lossy()
