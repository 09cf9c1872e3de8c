"""The direction of imports: hub imports no edge; edges talk only through the hub."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("hub", "adapters", "streams", "console")
ALLOWED = {"hub": set(), "adapters": {"hub"}, "streams": {"hub"}, "console": {"hub"}}


def imported_packages(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        found |= {n.split(".")[0] for n in names}
    return found & set(PACKAGES)


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_follow_the_design(package: str) -> None:
    for path in sorted((ROOT / package).rglob("*.py")):
        wrong = imported_packages(path) - ALLOWED[package] - {package}
        assert not wrong, f"{path.relative_to(ROOT)} imports {sorted(wrong)}"


def books_reached(path: Path) -> list[str]:
    """`ctx.<service>.book` chains in *path*: a route reaching past a service into its book."""
    return [ast.unparse(node) for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Attribute) and node.attr == "book" and isinstance(node.value, ast.Attribute)
            and isinstance(node.value.value, ast.Name) and node.value.value.id == "ctx"
            and node.value.attr in {"alerts", "cases"}]


def test_routes_call_the_alert_and_case_services_not_their_books() -> None:
    for path in sorted((ROOT / "console").rglob("routes.py")):
        assert not books_reached(path), f"{path.relative_to(ROOT)} reaches into {books_reached(path)}"
