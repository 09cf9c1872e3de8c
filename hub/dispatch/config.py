"""The town file's `dispatch:` section."""

from __future__ import annotations

from pydantic import Field

from hub.config_base import Strict
from hub.dispatch.model import Step


class DispatchConfig(Strict):
    acknowledge_within_min: float = Field(default=5.0, gt=0, description="then the team is alerted again; "
                                          "after twice this, the duty officer is told")
    speed_kmh: float = Field(default=30.0, gt=0, le=200, description="for straight-line ETAs")
    location_fresh_min: float = Field(default=30.0, gt=0, description="a phone's fix older than this is not used")
    note_required: tuple[Step, ...] = Field(default=(Step.CLEAR,), description="steps that need a note")
    location_required: tuple[Step, ...] = Field(default=(Step.ON_SCENE,), description="steps that need a GPS fix")
    login_code_min: float = Field(default=30.0, gt=0, description="life of a one-time login link")
    session_days: float = Field(default=30.0, gt=0, description="life of a phone's sign-in")
