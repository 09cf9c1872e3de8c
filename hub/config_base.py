"""The one base of gridhub's configuration models: an unknown key is an error with its name, values are frozen."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """Base for configuration (town file sections, settings parts): unknown keys are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)
