"""What grid work's configuration and models share: keys and labels."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

ItemId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]


