"""County directives at the town: what the console lists and a person acknowledges."""

from __future__ import annotations

from typing import Protocol

from hub.county.messages import DirectiveDown


class DirectiveIn(DirectiveDown):
    """A directive as the town holds it: when it arrived, and who acknowledged it."""

    received_at: float
    acked_by: str | None = None
    acked_at: float | None = None


class CountyDirectives(Protocol):
    """The town's side of the county link, as the console sees it."""

    async def directives(self) -> list[DirectiveIn]:
        """Every directive received, newest first."""
        ...

    async def acknowledge(self, directive_id: int, actor: str) -> DirectiveIn:
        """Record that *actor* acknowledged it, and send that to the county; KeyError if there is no such one."""
        ...
