"""Load and check a town file: the town model, its cross-references and adapter sections."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hub.configfile import ConfigError, ConfigProblem, YamlDocument, problems_from, read_yaml, validate
from hub.registry import Registry
from hub.town import Town, reference_problems


@dataclass(frozen=True)
class LoadedTown:
    """A valid town with its adapter sections validated, and warnings worth showing."""

    town: Town
    sections: dict[str, Any]
    warnings: list[ConfigProblem] = field(default_factory=list)


def load_town(path: Path | str, registry: Registry) -> LoadedTown:
    """Read, validate and cross-check a town file; ConfigError lists every problem."""
    doc = read_yaml(path)
    town = validate(Town, doc)
    problems = [doc.problem(key, reason) for key, reason in reference_problems(town)]
    sections, section_problems = _sections(town, doc, registry)
    problems += section_problems
    if problems:
        raise ConfigError(problems)
    return LoadedTown(town, sections, _unmonitored(town, doc, registry))


def _sections(town: Town, doc: YamlDocument, registry: Registry) -> tuple[dict[str, Any], list[ConfigProblem]]:
    sections: dict[str, Any] = {}
    problems: list[ConfigProblem] = []
    for name, raw in town.adapters.items():
        plugin = registry.plugins.get(name)
        if plugin is None or plugin.section is None:
            known = ", ".join(n for n, p in registry.plugins.items() if p.section) or "none"
            problems.append(doc.problem(("adapters", name), f"no adapter section {name!r}; known: {known}"))
            continue
        try:
            section = plugin.section.model_validate(raw)
        except ValidationError as exc:
            problems += problems_from(exc, doc, ("adapters", name))
            continue
        sections[name] = section
        if plugin.check is not None:
            problems += [doc.problem(key, reason) for key, reason in plugin.check(town, section)]
    for name, plugin in registry.plugins.items():
        if plugin.section is not None and name not in sections and name not in town.adapters:
            sections[name] = plugin.section()
            if plugin.check is not None:
                problems += [doc.problem(key, reason) for key, reason in plugin.check(town, sections[name])]
    return sections, problems


def _unmonitored(town: Town, doc: YamlDocument, registry: Registry) -> list[ConfigProblem]:
    """One warning per adapter that devices name but no installed plugin provides."""
    installed = registry.device_adapters()
    first: dict[str, int] = {}
    counts: Counter[str] = Counter()
    for i, device in enumerate(town.devices):
        if device.adapter not in installed:
            first.setdefault(device.adapter, i)
            counts[device.adapter] += 1
    return [doc.problem(("devices", i, "adapter"),
                        f"{counts[name]} devices use adapter {name!r}, which is not installed: listed, not monitored")
            for name, i in first.items()]
