"""Wiring in one place: the hub's context is frozen, and only the bootstrap adds what services offer to it."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from hub.context import HubContext, PartTaken, Provided, add_provided

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("hub", "adapters", "streams", "console")
CONTEXT_NAMES = {"ctx", "_ctx", "context"}  # how the code names a HubContext: ctx, self.ctx, self._ctx


def _is_context(node: ast.expr) -> bool:
    if isinstance(node, ast.Name):
        return node.id in CONTEXT_NAMES
    return isinstance(node, ast.Attribute) and node.attr in CONTEXT_NAMES


def context_writes(source: str, where: str) -> list[str]:
    """`ctx.x = …`, `self._ctx.x += …`, `setattr(ctx, …)`, and add_provided outside the bootstrap, in *source*."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        found += [f"{where}:{node.lineno}" for t in targets if isinstance(t, ast.Attribute) and _is_context(t.value)]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id == "setattr" and node.args and _is_context(node.args[0]):
                found.append(f"{where}:{node.lineno}")
            if node.func.id == "add_provided" and where != "hub/bootstrap.py":
                found.append(f"{where}:{node.lineno}")
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_no_service_sets_anything_on_the_context(package: str) -> None:
    writes = [w for path in sorted((ROOT / package).rglob("*.py"))
              for w in context_writes(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix())]
    assert not writes, f"the context is the bootstrap's (hub/bootstrap.py) to wire; written at {writes}"


def test_the_scan_finds_what_it_looks_for() -> None:
    source = ("def f(ctx, self):\n    ctx.broadcast = 1\n    self._ctx.calls = 2\n"
              "    setattr(ctx, 'county', 3)\n    add_provided(ctx, 4)\n    ctx.bus.subscribe(5)\n")
    assert context_writes(source, "adapters/x.py") == ["adapters/x.py:2", "adapters/x.py:3", "adapters/x.py:4",
                                                       "adapters/x.py:5"]
    assert context_writes(source, "hub/bootstrap.py")[-1] == "hub/bootstrap.py:4"


def bare_context() -> HubContext:
    values = {f.name: object() for f in dataclasses.fields(HubContext) if f.default is dataclasses.MISSING}
    return HubContext(**values)  # type: ignore[arg-type]


def test_the_context_is_frozen() -> None:
    ctx = bare_context()
    with pytest.raises(dataclasses.FrozenInstanceError):
        ctx.broadcast = None  # type: ignore[misc]


def test_each_part_is_offered_once() -> None:
    ctx, publisher, other = bare_context(), object(), object()
    add_provided(ctx, Provided(outbound=publisher))  # type: ignore[arg-type]
    add_provided(ctx, Provided(outbound=publisher))  # type: ignore[arg-type]  # the same again: two station edges
    assert ctx.outbound is publisher
    with pytest.raises(PartTaken, match=r"ctx\.outbound"):
        add_provided(ctx, Provided(outbound=other))  # type: ignore[arg-type]
    assert set(Provided.__dataclass_fields__) <= set(HubContext.__dataclass_fields__)
