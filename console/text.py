"""Text in and out of the API: control characters are refused on the way in, and made harmless on the way out.

A control character (U+0001 …) is never part of a real name, address or note, and a spreadsheet cannot hold one:
openpyxl refuses to write it, so one stored report would break every export that includes it.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

# C0 controls but tab and newlines, DEL and C1, lone surrogates, and the two non-characters XML forbids.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet would run as a formula (CSV/XLSX injection)
REPLACEMENT = "\ufffd"


def refuse_control(value: Any) -> Any:
    """*value* (text, or lists and maps of it) unchanged; ValueError naming the first control character."""
    if isinstance(value, str) and (found := CONTROL.search(value)):
        raise ValueError(f"control character U+{ord(found.group()):04X} at position {found.start()} is not allowed")
    if isinstance(value, list | tuple | set | frozenset):
        for item in value:
            refuse_control(item)
    if isinstance(value, dict):
        for key, item in value.items():
            refuse_control(key)
            refuse_control(item)
    if isinstance(value, BaseModel):  # a hub model nested in a body (a broadcast's target): its fields too
        for item in value.__dict__.values():
            refuse_control(item)
    return value


class Input(BaseModel):
    """A request body: unknown keys and control characters in any text field are refused (422 with the reason).

    A body that is a hub model takes this as its first base (`class JobAsk(Input, JobCreate)`), so that what the
    hub keeps and shows later (a broadcast's text, a call's title) is checked at the edge like every other body.
    """

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_control(cls, value: Any) -> Any:
        return refuse_control(value)


def printable(text: str) -> str:
    """*text* with each control character replaced by U+FFFD: what XML and spreadsheets can hold."""
    return CONTROL.sub(REPLACEMENT, text)


def cell(value: object) -> object:
    """*value* fit for a CSV or XLSX cell: control characters replaced, a would-be formula kept as text."""
    if not isinstance(value, str):
        return value
    value = printable(value)
    return "'" + value if value.startswith(FORMULA_START) else value
