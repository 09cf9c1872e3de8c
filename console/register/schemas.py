"""What the register's routes take and give beyond the hub's own models."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from hub.register.model import House, Household, Name, Number, Phone, Relation, Residence, Sex, Text
from hub.register.views import PersonView


class PersonEdit(BaseModel):
    """The fields to change; the others stay."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    sex: Sex | None = None
    id_number: str | None = Field(None, min_length=5, max_length=20)
    phone: Phone | None = None
    residence: Residence | None = None
    grid: str | None = Field(None, min_length=1, max_length=64)
    address: Text | None = None
    household: Number | None = None
    relation: Relation | None = None
    house: Number | None = None


class HouseholdDetail(BaseModel):
    household: Household
    members: list[PersonView] = Field(description="masked, the head first")


class HouseDetail(BaseModel):
    house: House
    occupants: list[PersonView] = Field(description="masked, as every list is")
