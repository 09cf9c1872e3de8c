"""Whether a request was made by a page of another site: Sec-Fetch-Site, Origin and Referer, taken together.

A browser sends the session cookie with any request to the console, whichever page makes it; these headers
are how it says which page that was. Every one of them present must name the console's own origin: the same
scheme, host and port, exactly. A request with none of them is not a browser's (curl, a script, the cluster's
console passing a request on keeps them), so it is let through: no page could have sent it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import HTTPConnection

Origin = tuple[str, str, int]  # scheme, host, port
DEFAULT_PORTS = {"http": 80, "https": 443}
OUR_FETCH_SITES = frozenset({"same-origin", "none"})  # none: the user's own doing (typed, bookmarked)
WS_SCHEMES = {"ws": "http", "wss": "https"}  # a socket's page has the origin of the matching HTTP URL


def origin_of(url: str) -> Origin | None:
    """The origin of an absolute http(s) URL; None for anything else ("null", a path, a bad port)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return parts.scheme, parts.hostname, port or DEFAULT_PORTS[parts.scheme]


def own_origin(conn: HTTPConnection) -> Origin | None:
    """The console's origin as this request reached it: its scheme and its Host header."""
    scheme = str(conn.scope.get("scheme", "http"))
    return origin_of(f"{WS_SCHEMES.get(scheme, scheme)}://{conn.headers.get('host', '')}")


def cross_site(conn: HTTPConnection) -> str | None:
    """Why *conn* comes from another site's page (the header that says so), or None when it does not."""
    site = conn.headers.get("sec-fetch-site")
    if site is not None and site not in OUR_FETCH_SITES:
        return f"Sec-Fetch-Site: {site[:40]}"
    own = own_origin(conn)
    for header in ("Origin", "Referer"):
        value = conn.headers.get(header)
        if value and (own is None or origin_of(value) != own):
            return f"{header}: {value[:100]}"
    return None
