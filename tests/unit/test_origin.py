"""Origins compared exactly: scheme, host and port, with the default ports filled in."""

from __future__ import annotations

import pytest

from console.origin import origin_of


@pytest.mark.parametrize(("url", "origin"), [
    ("http://hub.local", ("http", "hub.local", 80)),
    ("https://HUB.local:443/cases/?x=1", ("https", "hub.local", 443)),
    ("http://[::1]:8080/", ("http", "::1", 8080)),
    ("null", None), ("/relative", None), ("ftp://hub.local", None), ("http://hub.local:99999", None),
    ("http://:80", None),
])
def test_origin_of(url: str, origin: tuple[str, str, int] | None) -> None:
    assert origin_of(url) == origin


def test_another_scheme_or_port_is_another_origin() -> None:
    ours = origin_of("http://10.0.0.2:8080")
    assert ours == origin_of("http://10.0.0.2:8080/screen/")
    assert ours not in (origin_of("https://10.0.0.2:8080"), origin_of("http://10.0.0.2"), origin_of("http://10.0.0.3:8080"))
