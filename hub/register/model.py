"""The register's records as callers give them (…Fields) and as they are kept, with Chinese labels for sheets."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from hub.register.idcard import id_problem, is_male, normalise

Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")]
Number = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")]
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"  # no control characters: nothing a sheet or a form means to type
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=PRINTABLE)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32, pattern=PRINTABLE)]
PASSPORT = r"^[A-Z0-9]{5,20}$"


class Labelled(StrEnum):
    """An enum whose members have Chinese labels, as the town's spreadsheets write them."""

    @property
    def label(self) -> str:
        return LABELS[self]

    @classmethod
    def parse(cls, text: str) -> Self:
        """A member by its label or its value; ValueError lists the labels."""
        for member in cls:
            if text in (member.value, LABELS[member]):
                return member
        raise ValueError("应为：" + "/".join(LABELS[m] for m in cls))


class Sex(Labelled):
    male = "male"
    female = "female"


class Residence(Labelled):
    registered = "registered"  # 户籍人口
    floating = "floating"  # 流动人口
    overseas = "overseas"  # 境外人员: a passport or permit number, not a citizen ID


class Relation(Labelled):
    head = "head"
    spouse = "spouse"
    child = "child"
    parent = "parent"
    sibling = "sibling"
    grandchild = "grandchild"
    other = "other"


class HouseUse(Labelled):
    own = "own"
    rented = "rented"
    commercial = "commercial"


class Structure(Labelled):
    brick_concrete = "brick_concrete"
    frame = "frame"
    brick_wood = "brick_wood"
    earth_wood = "earth_wood"
    steel = "steel"
    other = "other"


class OrgKind(Labelled):
    unit = "unit"  # 单位: offices, schools, clinics
    enterprise = "enterprise"  # 非公有制经济组织, one of the 两新组织
    social = "social"  # 社会组织, the other


class KeyGroup(Labelled):
    community_correction = "community_correction"
    released = "released"
    drug = "drug"
    mental = "mental"
    youth = "youth"  # 重点青少年; the rest are 特殊人群


LABELS: dict[Labelled, str] = {
    Sex.male: "男", Sex.female: "女",
    Residence.registered: "户籍", Residence.floating: "流动", Residence.overseas: "境外",
    Relation.head: "户主", Relation.spouse: "配偶", Relation.child: "子女", Relation.parent: "父母",
    Relation.sibling: "兄弟姐妹", Relation.grandchild: "孙子女", Relation.other: "其他",
    HouseUse.own: "自住", HouseUse.rented: "出租", HouseUse.commercial: "经营",
    Structure.brick_concrete: "砖混", Structure.frame: "框架", Structure.brick_wood: "砖木",
    Structure.earth_wood: "土木", Structure.steel: "钢结构", Structure.other: "其他",
    OrgKind.unit: "单位", OrgKind.enterprise: "非公有制经济组织", OrgKind.social: "社会组织",
    KeyGroup.community_correction: "社区矫正对象", KeyGroup.released: "刑满释放人员", KeyGroup.drug: "吸毒人员",
    KeyGroup.mental: "严重精神障碍患者", KeyGroup.youth: "重点青少年",
}


class Fields(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PersonFields(Fields):
    """A person as a caller gives them: the ID number and phone in clear, kept encrypted."""

    name: Name
    sex: Sex
    id_number: str = Field(description="citizen ID (GB 11643, checked); a passport number for 境外 people")
    phone: Phone | None = None
    residence: Residence = Residence.registered
    grid: str = Field(min_length=1, max_length=64, pattern=PRINTABLE)
    address: Text
    household: Number | None = Field(None, description="户号 of their household")
    relation: Relation | None = Field(None, description="relation to the household's head")
    house: Number | None = Field(None, description="number of the house they live in")

    @model_validator(mode="after")
    def _id_valid(self) -> Self:
        number = normalise(self.id_number)
        if self.residence is Residence.overseas:
            if not (number.isascii() and number.isalnum() and 5 <= len(number) <= 20):
                raise ValueError("证件号码应为5至20位字母或数字")
        elif (problem := id_problem(number)) is not None:
            raise ValueError(problem)
        elif is_male(number) != (self.sex is Sex.male):
            raise ValueError("性别与身份证号不符")
        object.__setattr__(self, "id_number", number)
        return self


class Person(BaseModel):
    """A person as kept: secret fields as ciphertexts (see crypto), the rest in clear."""

    id: int = 0
    name: str
    sex: Sex
    residence: Residence
    grid: str
    address: str
    household: str | None = None
    relation: Relation | None = None
    house: str | None = None
    id_cipher: str
    phone_cipher: str | None = None
    id_digest: str = Field(description="keyed digest of the whole ID number: one person, one digest")
    id4_digest: str = Field(description="keyed digest of its last four characters")
    phone_digest: str | None = None
    updated: float = 0.0


class HouseFields(Fields):
    number: Number
    grid: str = Field(min_length=1, max_length=64)
    address: Text
    lon: float | None = Field(None, ge=73.0, le=136.0)
    lat: float | None = Field(None, ge=3.0, le=54.0)
    owner: Name
    structure: Structure = Structure.brick_concrete
    floors: int = Field(1, ge=1, le=60)
    year_built: int | None = Field(None, ge=1900, le=2100)
    use: HouseUse = HouseUse.own
    commercial_selfbuilt: bool = Field(False, description="经营性自建房: a self-built house used for business")


class House(HouseFields):
    updated: float = 0.0


class HouseholdFields(Fields):
    number: Number
    grid: str = Field(min_length=1, max_length=64)
    address: Text


class Household(HouseholdFields):
    updated: float = 0.0


class OrganisationFields(Fields):
    code: Number = Field(description="统一社会信用代码 or the town's own number")
    name: Text
    kind: OrgKind
    grid: str = Field(min_length=1, max_length=64)
    address: Text
    contact: Name | None = None
    phone: Phone | None = None


class Organisation(BaseModel):
    code: str
    name: str
    kind: OrgKind
    grid: str
    address: str
    contact: str | None = None
    phone_cipher: str | None = None
    updated: float = 0.0


class KeyGroupFields(Fields):
    person: int = Field(ge=1, le=2**31 - 1, description="the register's id of the person")
    group: KeyGroup
    since: dt.date | None = None
    note: str = Field("", max_length=500, pattern=r"^[^\x00]*$")
    ended: dt.date | None = Field(default=None, description="when the person left the group (解除矫正 …)")


class KeyGroupEdit(Fields):
    """A change to a key group entry: another group, dates or note, or its end (`ended`); unset keys stay."""

    group: KeyGroup | None = None
    since: dt.date | None = None
    note: str | None = Field(None, max_length=500, pattern=r"^[^\x00]*$")
    ended: dt.date | None = None


class KeyGroupEntry(KeyGroupFields):
    id: int = 0
    grid: str
    updated: float = 0.0


class HistoryEntry(BaseModel):
    """One change to a record: who, when and what (secret fields say only that they changed)."""

    kind: str = Field(description="person, house, household, organisation or key_group")
    record: str
    ts: float
    actor: str
    changes: dict[str, tuple[str | None, str | None]]
