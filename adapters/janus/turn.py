"""TURN credentials for the call pages.

With a shared secret, coturn's `use-auth-secret` (the "TURN REST API" of
draft-uberti-behave-turn-rest): the username is `<expiry>:<who>` and the
password the base64 HMAC-SHA1 of that username under the secret. coturn checks
both without asking the hub, so each participant's credential is their own and
stops working at its expiry, and a page's copy is worth little to anyone else.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from adapters.janus.config import Turn
from hub.calls.ports import IcePolicy, IceServer


def ice_policy(turn: Turn | None, username: str, now: float) -> IcePolicy:
    """What *username*'s page is given at *now* (Unix seconds, as coturn's clock: not the demo's town clock)."""
    if turn is None:
        return IcePolicy()
    urls = tuple(f"turn:{turn.host}:{turn.port}?transport={t}" for t in turn.transports)
    if turn.secret is None:
        assert turn.username is not None and turn.password is not None  # the model requires one way or the other
        return IcePolicy((IceServer(urls, turn.username, turn.password.get_secret_value()),), turn.relay_only)
    user = f"{int(now) + turn.credential_ttl_s}:{username}"
    return IcePolicy((IceServer(urls, user, rest_password(turn.secret.get_secret_value(), user)),), turn.relay_only)


def rest_password(secret: str, user: str) -> str:
    digest = hmac.new(secret.encode(), user.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()
