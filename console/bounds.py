"""The bounds of every number the API takes: what the stores cannot hold is a 422 with the reason, never a 500."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

MAX_INT = 2**63 - 1  # SQLite's INTEGER and PostgreSQL's BIGINT; Python's int has no limit of its own

# Plain annotated types, so one alias bounds a path, a query and a body field alike.
Id = Annotated[int, Field(ge=1, le=MAX_INT)]  # a stored row's number: they start at 1
Seq = Annotated[int, Field(ge=0, le=MAX_INT)]  # a position in a feed or log: 0 is before the first


def parse_id(text: str) -> int | None:
    """*text* as a row's number, or None when it cannot be one (str.isdigit alone lets '²' and 10**30 through)."""
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_INT else None
