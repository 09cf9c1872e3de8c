"""Load and check a town file: the town model, its cross-references and adapter sections."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hub.alerts.notify import NotifierConfig
from hub.alerts.rules import rule_problems
from hub.cases.checks import case_problems
from hub.configfile import ConfigError, ConfigProblem, YamlDocument, problems_from, read_yaml, validate
from hub.county.config import link_problems
from hub.registry import Registry
from hub.town import Town, reference_problems


@dataclass(frozen=True)
class LoadedTown:
    """A valid town with its adapter sections validated, and warnings worth showing."""

    town: Town
    sections: dict[str, Any]
    warnings: list[ConfigProblem] = field(default_factory=list)
    notifiers: list[NotifierConfig] = field(default_factory=list)  # validated alerts.notifiers entries


def load_town(path: Path | str, registry: Registry) -> LoadedTown:
    """Read, validate and cross-check a town file; ConfigError lists every problem."""
    doc = read_yaml(path)
    town = validate(Town, doc)
    cross = reference_problems(town) + rule_problems(town) + case_problems(town) + link_problems(town.county)
    problems = [doc.problem(key, reason) for key, reason in cross]
    sections, section_problems = _sections(town, doc, registry)
    problems += section_problems
    notifiers, notifier_problems = _notifiers(town, doc, registry)
    problems += notifier_problems
    if problems:
        raise ConfigError(problems)
    return LoadedTown(town, sections, _unmonitored(town, doc, registry), notifiers)


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


def _notifiers(town: Town, doc: YamlDocument, registry: Registry) -> tuple[list[NotifierConfig], list[ConfigProblem]]:
    types = registry.notifier_types()
    configs: list[NotifierConfig] = []
    problems: list[ConfigProblem] = []
    names: set[str] = set()
    for i, raw in enumerate(town.alerts.notifiers):
        key = ("alerts", "notifiers", i)
        kind = types.get(str(raw.get("type")))
        if kind is None:
            problems.append(doc.problem((*key, "type"), f"unknown notifier type {raw.get('type')!r}; "
                                                        f"known: {', '.join(sorted(types)) or 'none'}"))
            continue
        try:
            config = kind.config.model_validate(raw)
        except ValidationError as exc:
            problems += problems_from(exc, doc, key)
            continue
        if config.name in names:
            problems.append(doc.problem((*key, "name"), f"duplicate notifier name {config.name!r}"))
        names.add(config.name)
        configs.append(config)
    return configs, problems


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
