"""What the HTTP channels share: one request, its failures sorted into retryable or not, masked URLs."""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import httpx
import orjson

from hub.alerts.notify import DeliveryError

RETRYABLE_4XX = frozenset({408, 429})  # request timeout, too many requests: later may work
IDEMPOTENCY_HEADER = "Idempotency-Key"  # the delivery's id: the same across retries and restarts
SHOWN_CHARS = 4


def mask(secret: str) -> str:
    return secret[:SHOWN_CHARS] + "…" if len(secret) > SHOWN_CHARS else "…"


def mask_url(url: str) -> str:
    """The URL with every query value cut to its first characters and any password dropped."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    if parts.username:
        host = f"{parts.username}@{host}"
    query = "&".join(f"{k}={mask(v)}" for k, v in parse_qsl(parts.query, keep_blank_values=True))
    return urlunsplit((parts.scheme, host, parts.path, query, ""))


class MaskedUrls(logging.Filter):
    """httpx logs every request's URL at INFO: a robot's key is in its query, so the log gets the masked URL."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(mask_url(str(a)) if isinstance(a, httpx.URL) else a for a in record.args)
        return True


if not any(isinstance(f, MaskedUrls) for f in logging.getLogger("httpx").filters):
    logging.getLogger("httpx").addFilter(MaskedUrls())


def json_client(timeout_s: float, headers: dict[str, str] | None = None) -> httpx.AsyncClient:
    """One client per notifier: its connections are kept alive between notifications."""
    return httpx.AsyncClient(timeout=timeout_s, headers={"Content-Type": "application/json", **(headers or {})})


async def send_json(client: httpx.AsyncClient, method: str, url: str, body: object,
                    idempotency_key: str = "") -> httpx.Response:
    """Send once and return a 2xx response, or raise DeliveryError saying whether a retry may help.

    *idempotency_key* goes in the Idempotency-Key header, for a receiver to drop a second copy of a delivery.
    """
    headers = {IDEMPOTENCY_HEADER: idempotency_key} if idempotency_key else None
    try:
        response = await client.request(method, url, content=orjson.dumps(body), headers=headers)
    except httpx.TimeoutException as exc:
        raise DeliveryError(f"{mask_url(url)}: timed out ({type(exc).__name__})") from exc
    except (httpx.NetworkError, httpx.RemoteProtocolError, httpx.ProxyError) as exc:
        raise DeliveryError(f"{mask_url(url)}: {type(exc).__name__}: {exc}") from exc
    except httpx.HTTPError as exc:  # a bad URL or a request we could not build: trying again will not help
        raise DeliveryError(f"{mask_url(url)}: {type(exc).__name__}: {exc}", retryable=False) from exc
    check_status(response)
    return response


def check_status(response: httpx.Response) -> None:
    """5xx, 408 and 429 may pass later; other 4xx and redirects will not."""
    if response.is_success:
        return
    status = response.status_code
    retryable = status >= 500 or status in RETRYABLE_4XX
    raise DeliveryError(f"HTTP {status} {response.reason_phrase}: {response.text[:200]}", retryable=retryable)
