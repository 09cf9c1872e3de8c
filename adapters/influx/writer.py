"""Write line protocol to the database: the v2 API through influxdb-client, or InfluxDB 1.x's /write."""

from __future__ import annotations

import base64
import urllib.error
import urllib.parse
import urllib.request
from typing import Protocol

from influxdb_client.client.influxdb_client import InfluxDBClient
from influxdb_client.client.write_api import SYNCHRONOUS
from influxdb_client.rest import ApiException

from hub.settings import InfluxSettings


class WriteFailed(Exception):
    """A write that did not happen; *permanent* when sending the same lines again cannot succeed."""

    def __init__(self, detail: str, permanent: bool = False) -> None:
        super().__init__(detail)
        self.permanent = permanent


def _permanent(status: int) -> bool:
    """400 (bad lines) and 413 (too large) will fail again; auth, missing bucket and 5xx may be fixed."""
    return status in (400, 413, 422)


class LineWriter(Protocol):
    def write(self, body: bytes) -> None:
        """Write *body* (line protocol, ms precision) or raise WriteFailed."""

    def close(self) -> None: ...


class V2Writer:
    """POST /api/v2/write with influxdb-client: InfluxDB 2.x/3.x, and engines that speak it."""

    def __init__(self, settings: InfluxSettings) -> None:
        self._settings = settings
        self._client = InfluxDBClient(url=settings.url, token=settings.token or "", org=settings.org,
                                      timeout=int(settings.timeout_s * 1000))
        self._api = self._client.write_api(write_options=SYNCHRONOUS)

    def write(self, body: bytes) -> None:
        try:
            self._api.write(self._settings.bucket, self._settings.org, body, write_precision="ms")  # type: ignore[arg-type]
        except ApiException as exc:
            raise WriteFailed(f"HTTP {exc.status}: {exc.body!r:.300}", _permanent(exc.status or 0)) from exc
        except Exception as exc:  # urllib3 raises many kinds for refused, reset and timed out
            raise WriteFailed(repr(exc)) from exc

    def close(self) -> None:
        self._client.close()  # type: ignore[no-untyped-call]


class V1Writer:
    """POST /write?db=…&precision=ms: InfluxDB 1.x."""

    def __init__(self, settings: InfluxSettings) -> None:
        query = {"db": settings.database, "precision": "ms"}
        if settings.retention_policy:
            query["rp"] = settings.retention_policy
        self._url = settings.url.rstrip("/") + "/write?" + urllib.parse.urlencode(query)
        self._timeout = settings.timeout_s
        self._headers = {"Content-Type": "text/plain; charset=utf-8"}
        if settings.username is not None:
            secret = f"{settings.username}:{settings.password or ''}".encode()
            self._headers["Authorization"] = "Basic " + base64.b64encode(secret).decode()

    def write(self, body: bytes) -> None:
        request = urllib.request.Request(self._url, data=body, headers=self._headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            with exc:  # it holds the response, and with it the socket
                detail = exc.read()[:300]
            raise WriteFailed(f"HTTP {exc.code}: {detail!r}", _permanent(exc.code)) from exc
        except (OSError, ValueError) as exc:  # refused, reset, timed out (URLError is an OSError)
            raise WriteFailed(repr(exc)) from exc

    def close(self) -> None:
        pass


def make_writer(settings: InfluxSettings) -> LineWriter:
    return V2Writer(settings) if settings.api == "v2" else V1Writer(settings)
