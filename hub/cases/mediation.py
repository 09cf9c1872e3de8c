"""Mediation records of disputes: the parties, the sessions, the outcome, the agreement, the follow-up visits."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Outcome = Literal["pending", "agreed", "partial", "failed", "referred"]
OUTCOME_LABELS = {"pending": "调解中", "agreed": "调解成功", "partial": "部分达成", "failed": "调解不成",
                  "referred": "转诉讼/仲裁"}


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Party(Record):
    name: str = Field(min_length=1, max_length=64)
    role: Literal["applicant", "respondent", "third_party"] = Field(description="申请人, 被申请人, 第三人")
    phone: str = Field(default="", max_length=20)
    id_number: str = Field(default="", max_length=18)
    address: str = Field(default="", max_length=200)


class Session(Record):
    at: float = Field(description="when it was held (epoch seconds)")
    place: str = Field(min_length=1, max_length=64, description="a room, or where it was held")
    mediators: tuple[str, ...] = Field(min_length=1)
    summary: str = Field(min_length=1, max_length=4000)
    recorded_by: str


class FollowUp(Record):
    at: float
    by: str
    note: str = Field(min_length=1, max_length=2000)
    fulfilled: bool = Field(description="whether the agreement is being kept")


class Mediation(Record):
    case_id: int
    parties: tuple[Party, ...] = ()
    sessions: tuple[Session, ...] = ()
    outcome: Outcome = "pending"
    agreement: str = Field(default="", max_length=20000, description="the agreement's text (调解协议书)")
    decided_at: float | None = None
    follow_up_due: float | None = Field(default=None, description="when to visit the parties again")
    follow_ups: tuple[FollowUp, ...] = ()
    updated_at: float = 0.0

    @model_validator(mode="after")
    def _agreement_written(self) -> Mediation:
        if self.outcome in ("agreed", "partial") and not self.agreement.strip():
            raise ValueError("an agreement needs its text")
        return self

    def evolve(self, **changes: object) -> Mediation:
        """A changed copy, validated again (model_copy would not check the agreement)."""
        return Mediation.model_validate(self.model_dump() | changes)
