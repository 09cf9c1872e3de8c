"""Sealing records for keeping (encrypt, digest) and opening them for a reader (decrypt, or mask)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from hub.privacy import mask_id, mask_phone
from hub.register.crypto import RegisterCipher
from hub.register.model import (
    HistoryEntry,
    KeyGroupEntry,
    Organisation,
    OrganisationFields,
    Person,
    PersonFields,
    Relation,
    Residence,
    Sex,
)

SECRET = {"id_number", "phone"}


class PersonView(BaseModel):
    """A person as one reader may see them: ID number and phone in full or masked, as `masked` says."""

    id: int
    name: str
    sex: Sex
    id_number: str
    phone: str | None
    residence: Residence
    grid: str
    village: str | None
    address: str
    household: str | None
    relation: Relation | None
    house: str | None
    masked: bool = Field(description="whether id_number and phone are masked for this reader")


class PersonRecord(BaseModel):
    """One person's full record: the person, the history of edits, and key groups for those who may read them."""

    person: PersonView
    history: list[HistoryEntry]
    key_groups: list[KeyGroupEntry] | None = Field(description="null: not for this reader's role")


class KeyGroupListed(KeyGroupEntry):
    """A key group entry in a list, with the person's name so that a reader knows whom it is about."""

    name: str


class RegisterAccess(BaseModel):
    """What the caller's role may do in the register, as the town file says: for a page to show only that."""

    full: bool = Field(description="reads ID numbers and phones in full on one record")
    key_groups: bool = Field(description="reads and records key groups (特殊人群, 重点青少年)")


class OrganisationView(BaseModel):
    code: str
    name: str
    kind: str
    grid: str
    address: str
    contact: str | None
    phone: str | None


def seal(cipher: RegisterCipher, fields: PersonFields, ts: float, person_id: int = 0) -> Person:
    """*fields* as kept: ID number and phone encrypted, with their digests."""
    number, phone = fields.id_number, fields.phone
    # Built without validating again: every field comes from a validated PersonFields or from the cipher.
    return Person.model_construct(id=person_id, **fields.model_dump(exclude=SECRET), updated=ts,
                  id_cipher=cipher.encrypt("id", number), id_digest=cipher.digest("id", number),
                  id4_digest=cipher.digest("id4", number[-4:]),
                  phone_cipher=cipher.encrypt("phone", phone) if phone else None,
                  phone_digest=cipher.digest("phone", phone) if phone else None)


def opened(cipher: RegisterCipher, person: Person) -> PersonFields:
    """The person's fields in clear, as an edit starts from."""
    return PersonFields.model_construct(
        **person.model_dump(include=set(PersonFields.model_fields) - SECRET),
        id_number=cipher.decrypt("id", person.id_cipher),
        phone=cipher.decrypt("phone", person.phone_cipher) if person.phone_cipher else None)


def view(cipher: RegisterCipher, person: Person, full: bool, village: str | None) -> PersonView:
    """The person for a reader: in full only when *full*; a masked view is decrypted only to be masked."""
    fields = opened(cipher, person)
    number, phone = fields.id_number, fields.phone
    if not full:
        number, phone = mask_id(number), mask_phone(phone) if phone else None
    return PersonView(id=person.id, **fields.model_dump(exclude=SECRET), id_number=number, phone=phone,
                      village=village, masked=not full)


def seal_organisation(cipher: RegisterCipher, fields: OrganisationFields, ts: float) -> Organisation:
    phone = fields.phone
    return Organisation(**fields.model_dump(exclude={"phone"}), updated=ts,
                        phone_cipher=cipher.encrypt("org-phone", phone) if phone else None)


def opened_organisation(cipher: RegisterCipher, org: Organisation) -> OrganisationFields:
    """An organisation's fields in clear (its contact's phone decrypted), as an edit or an import compares."""
    token = org.phone_cipher
    return OrganisationFields(**org.model_dump(exclude={"phone_cipher", "updated"}),
                              phone=cipher.decrypt("org-phone", token) if token else None)


def view_organisation(cipher: RegisterCipher, org: Organisation, full: bool) -> OrganisationView:
    phone = cipher.decrypt("org-phone", org.phone_cipher) if org.phone_cipher else None
    return OrganisationView(code=org.code, name=org.name, kind=org.kind.label, grid=org.grid, address=org.address,
                            contact=org.contact, phone=phone if full or phone is None else mask_phone(phone))


def changes(before: BaseModel | None, after: BaseModel) -> dict[str, tuple[str | None, str | None]]:
    """What changed between two versions of a record; secret fields say only that they changed."""
    old = before.model_dump(mode="json") if before is not None else {}
    new = after.model_dump(mode="json")
    diff: dict[str, tuple[str | None, str | None]] = {}
    for key, value in new.items():
        if old.get(key) != value:
            shown = (None, "已更改") if key in SECRET else (_text(old.get(key)), _text(value))
            diff[key] = shown
    return diff


def _text(value: object) -> str | None:
    return None if value is None else str(value)
