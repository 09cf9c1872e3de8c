"""Open311 GeoReport v2 on the wire: JSON, or XML from the same data, and errors as [{code, description}]."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

from fastapi.responses import Response

from console.text import printable

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"
FORMATS = ("json", "xml")
# The XML of a list names its items in the singular (the spec's "Spark convention").
ITEM = {"services": "service", "service_requests": "request", "errors": "error", "attributes": "attribute",
        "values": "value", "endpoints": "endpoint", "formats": "format"}


class Open311Error(Exception):
    """One or more GeoReport errors; the HTTP status is the first one's code."""

    def __init__(self, *errors: tuple[int, str]) -> None:
        super().__init__("; ".join(d for _, d in errors))
        self.errors = list(errors)

    @property
    def status(self) -> int:
        return self.errors[0][0]


def respond(fmt: str, root: str, data: Any, status: int = 200) -> Response:
    """*data* (a list or an object) as JSON, or as XML under *root*."""
    if fmt == "xml":
        element = ET.Element(root)
        _fill(element, data, root)
        body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="utf-8",
                                                                        xml_declaration=False)
        return Response(body, status, media_type=XML_TYPE)
    return Response(json.dumps(data, ensure_ascii=False), status, media_type=JSON_TYPE)


def error_response(fmt: str, error: Open311Error) -> Response:
    items = [{"code": code, "description": text} for code, text in error.errors]
    return respond(fmt if fmt in FORMATS else "json", "errors", items, error.status)


def _fill(element: ET.Element, data: Any, name: str) -> None:
    if isinstance(data, list):
        for item in data:
            _fill(ET.SubElement(element, ITEM.get(name, "item")), item, ITEM.get(name, "item"))
    elif isinstance(data, dict):
        for key, value in data.items():
            _fill(ET.SubElement(element, key), value, key)
    elif isinstance(data, bool):
        element.text = "true" if data else "false"
    elif data is not None:
        element.text = printable(str(data))  # XML 1.0 cannot hold a control character, even escaped
