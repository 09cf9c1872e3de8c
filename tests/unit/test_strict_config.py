"""Every configuration model (town file, county file, settings, plugin sections) is one base's: hub.config_base."""

from __future__ import annotations

import typing

from pydantic import BaseModel

from hub.alerts.notify import NotifierConfig
from hub.config_base import Strict
from hub.county.config import County
from hub.registry import Registry
from hub.settings import HubSettings
from hub.town import Town


def models_in(annotation: object) -> set[type[BaseModel]]:
    """The pydantic models an annotation names, however nested (lists, dicts, unions, Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {annotation}
    return {m for arg in typing.get_args(annotation) for m in models_in(arg)}


def reachable(roots: set[type[BaseModel]]) -> set[type[BaseModel]]:
    seen: set[type[BaseModel]] = set()
    todo = list(roots)
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        todo += [m for field in model.model_fields.values() for m in models_in(field.annotation)]
    return seen


def test_every_configuration_model_is_strict() -> None:
    registry = Registry.discover()
    sections = {p.section for p in registry.plugins.values() if p.section is not None}
    notifiers = {t.config for t in registry.notifier_types().values()}
    models = reachable({Town, County, HubSettings, NotifierConfig, *sections, *notifiers}) - {HubSettings}
    loose = sorted(m.__qualname__ for m in models if not issubclass(m, Strict))
    assert not loose, f"configuration models that accept unknown keys or change: {loose}"
    assert HubSettings.model_config.get("extra") == "forbid"
    assert len(models) > 60  # the walk reached the nested sections, not just the roots
