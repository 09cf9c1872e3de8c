"""A report's body (function codes 2F–35) → serial number, send time, station, observation times and elements.

Values stay as sent here (numbers with their decimals applied, the station's "no
data" as None); decode.py maps them to quantities. A value that is not BCD costs
only its element; an unreadable time or station block costs the report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from adapters.sl651.elements import ElementIndex, ElementKind
from adapters.sl651.frame import Encoding
from hub.models import RejectReason

KEEP_ALIVE, TEST, SERIES, TIMED, ADD_ON, HOURLY, MANUAL = 0x2F, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35
REPORTS = frozenset({KEEP_ALIVE, TEST, SERIES, TIMED, ADD_ON, HOURLY, MANUAL})
TT, ST, STEP, MANUAL_TEXT = 0xF0, 0xF1, 0x04, 0xF2
NO_DATA = 0xFF  # every byte FF: the station has no value; a leading FF alone: the value is negative
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)$")
_ASCII_STEP = re.compile(r"^DR([DHN])(\d{2})$")
_STEP_UNITS = {"D": "days", "H": "hours", "N": "minutes"}


class ReportError(ValueError):
    """The body's fixed part (serial, times, station block) does not read, with the dead letter's reason."""

    def __init__(self, detail: str, reason: RejectReason = RejectReason.BAD_FRAME) -> None:
        super().__init__(detail)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Values:
    """One element as sent: its identifier, its values (one, or a series), when the first was observed."""

    ident: str  # the table's ASCII name when known, else the HEX code or the ASCII identifier
    known: bool
    values: tuple[float | None, ...]
    observed: datetime  # the station's local time
    step: timedelta | None = None  # between the values of an evenly spaced series
    problem: str | None = None  # why its data does not read (then values is empty)


@dataclass(slots=True)
class Report:
    function: int
    serial: int
    sent: datetime
    station: str | None = None
    category: str | None = None
    elements: list[Values] = field(default_factory=list)
    manual_text: str | None = None  # 人工置数: kept as text


def bcd_digits(data: bytes) -> str:
    """The decimal digits of *data*; ReportError when a nibble is not 0–9."""
    text = data.hex()
    if not text.isdigit():
        raise ReportError(f"impossible BCD {data.hex(' ').upper()}", RejectReason.WRONG_TYPE)
    return text


def _time(digits: str, what: str) -> datetime:
    """YYMMDDhhmm[ss] (the digits are checked already)."""
    try:
        return datetime(2000 + int(digits[0:2]), int(digits[2:4]), int(digits[4:6]), int(digits[6:8]),
                        int(digits[8:10]), int(digits[10:12] or 0))
    except ValueError:
        raise ReportError(f"{what} {digits} is no date and time", RejectReason.BAD_TIME) from None


def serial_and_time(encoding: Encoding, body: bytes) -> tuple[int, datetime]:
    """The serial number and send time every uplink body starts with (all a 4AH reply needs)."""
    if encoding is Encoding.HEX:
        if len(body) < 8:
            raise ReportError("body ends inside the serial number and send time")
        return int.from_bytes(body[:2], "big"), _time(bcd_digits(body[2:8]), "send time")
    tokens = body.decode("ascii", "replace").split()
    if len(tokens) < 2 or not re.fullmatch(r"[0-9A-Fa-f]{4}", tokens[0]) or not re.fullmatch(r"\d{12}", tokens[1]):
        raise ReportError("no serial number and send time (12 digits) at the start of the body")
    return int(tokens[0], 16), _time(tokens[1], "send time")


def parse_report(encoding: Encoding, function: int, body: bytes, table: ElementIndex) -> Report:
    """The report in *body*; ReportError when its fixed part does not read."""
    if encoding is Encoding.HEX:
        return _HexReader(function, body, table).report()
    try:
        text = body.decode("ascii")
    except UnicodeDecodeError:
        raise ReportError("ASCII body holds a byte that is not ASCII") from None
    return _AsciiReader(function, text.split(), table).report()


class _HexReader:
    def __init__(self, function: int, body: bytes, table: ElementIndex) -> None:
        self._f, self._b, self._table = function, body, table

    def _take(self, at: int, n: int, what: str) -> bytes:
        if at + n > len(self._b):
            raise ReportError(f"body ends inside the {what}")
        return self._b[at:at + n]

    def report(self) -> Report:
        serial = int.from_bytes(self._take(0, 2, "serial number"), "big")
        sent = _time(bcd_digits(self._take(2, 6, "send time")), "send time")
        report = Report(self._f, serial, sent)
        if self._f == KEEP_ALIVE:
            return report
        if self._take(8, 2, "station block") != bytes([ST, ST]):
            raise ReportError("no station identifier F1F1 after the send time")
        report.station = self._take(10, 5, "station address").hex().upper()
        report.category = chr(self._take(15, 1, "station category")[0])
        at = 16
        if self._f == MANUAL and self._b[at:at + 2] == bytes([MANUAL_TEXT, MANUAL_TEXT]):
            report.manual_text = self._b[at + 2:].decode("ascii", "replace")
            return report
        if self._take(at, 2, "observation time") != bytes([TT, TT]):
            raise ReportError("no observation time F0F0 after the station block")
        self._elements(at, report)
        return report

    def _elements(self, at: int, report: Report) -> None:
        observed = _time(bcd_digits(self._take(at + 2, 5, "observation time")), "observation time")
        at += 7
        step: timedelta | None = None
        body, end = self._b, len(self._b)
        while at < end:
            code = body[at]
            if code == 0xFF:
                code = 0xFF00 | self._take(at + 1, 1, "identifier")[0]
                at += 1
            if at + 1 >= end:
                raise ReportError("body ends inside the data-definition byte")
            definition = body[at + 1]
            at += 2
            if code == TT:
                observed = _time(bcd_digits(self._take(at, 5, "observation time")), "observation time")
                at += 5
            elif code == STEP:
                step = _hex_step(self._take(at, 3, "time step"))
                at += 3
            elif code == MANUAL_TEXT:
                report.manual_text = self._b[at - 1:].decode("ascii", "replace")
                return
            else:
                size = definition >> 3
                spread = self._f == SERIES and step is not None
                data = self._b[at:] if spread else self._take(at, size, f"element {code:02X}")
                at += len(data)
                report.elements.append(self._values(code, definition, data, observed, step if spread else None))

    def _values(self, code: int, definition: int, data: bytes, observed: datetime,
                step: timedelta | None) -> Values:
        element = self._table.by_code(code)
        ident = element.name if element else f"{code:02X}"
        size, decimals = definition >> 3, definition & 7
        kind = element.kind if element else ElementKind.VALUE
        if kind is ElementKind.VALUE and size and len(data) == size and data[0] != NO_DATA:  # one plain value
            digits = data.hex()
            if digits.isdigit():
                return Values(ident, element is not None, (int(digits) / _SCALE[decimals],), observed, step)
        try:
            if kind is ElementKind.VALUE:
                if not size or len(data) % size:
                    raise ReportError(f"{len(data)} bytes of data for a length of {size}")
                values = (_bcd_value(data, decimals),) if len(data) == size else \
                    tuple([_bcd_value(data[k:k + size], decimals) for k in range(0, len(data), size)])
            else:
                values = _hex_values(kind, data)
        except ReportError as exc:
            return Values(ident, element is not None, (), observed, step, f"{ident}: {exc}")
        return Values(ident, element is not None, values, observed, step)


def _bcd_value(data: bytes, decimals: int) -> float | None:
    sign = 1
    if data[0] == NO_DATA:
        if data.count(NO_DATA) == len(data):
            return None
        sign, data = -1, data[1:]
    return sign * int(bcd_digits(data)) / _SCALE[decimals]


_SCALE = tuple(10.0 ** k for k in range(8))  # the data-definition byte's 3 bits of decimals


def _hex_values(kind: ElementKind, data: bytes) -> tuple[float | None, ...]:
    if kind is ElementKind.STATUS:
        return (float(int.from_bytes(data, "big")),)
    return tuple(None if b == NO_DATA else float(b) for b in data)


def _hex_step(data: bytes) -> timedelta:
    digits = bcd_digits(data)
    return timedelta(days=int(digits[0:2]), hours=int(digits[2:4]), minutes=int(digits[4:6]))


class _AsciiReader:
    def __init__(self, function: int, tokens: list[str], table: ElementIndex) -> None:
        self._f, self._t, self._table = function, tokens, table

    def _take(self, at: int, what: str, pattern: str) -> str:
        if at >= len(self._t) or not re.fullmatch(pattern, self._t[at]):
            got = repr(self._t[at][:20]) if at < len(self._t) else "nothing"
            raise ReportError(f"{what} expected, got {got}")
        return self._t[at]

    def report(self) -> Report:
        serial = int(self._take(0, "serial number", r"[0-9A-Fa-f]{4}"), 16)
        sent = _time(self._take(1, "send time (12 digits)", r"\d{12}"), "send time")
        report = Report(self._f, serial, sent)
        if self._f == KEEP_ALIVE:
            return report
        self._take(2, "ST", "ST")
        report.station = self._take(3, "station address", r"[0-9A-Fa-f]{10}").upper()
        report.category = self._take(4, "station category", r"[A-Z]")
        if self._f == MANUAL and len(self._t) > 5 and self._t[5] == "RGZS":
            report.manual_text = " ".join(self._t[6:])
            return report
        self._take(5, "TT", "TT")
        self._elements(6, report)
        return report

    def _elements(self, at: int, report: Report) -> None:
        observed = _time(self._take(at, "observation time (10 digits)", r"\d{10}"), "observation time")
        at += 1
        step: timedelta | None = None
        while at < len(self._t):
            ident = self._t[at]
            at += 1
            if ident == "TT":
                observed = _time(self._take(at, "observation time (10 digits)", r"\d{10}"), "observation time")
                at += 1
            elif (m := _ASCII_STEP.match(ident)) is not None:
                step = timedelta(**{_STEP_UNITS[m[1]]: int(m[2])})
            else:
                at = self._element(ident, at, observed, step if self._f == SERIES else None, report)

    def _element(self, ident: str, at: int, observed: datetime, step: timedelta | None, report: Report) -> int:
        element = self._table.by_name(ident)
        if element is not None and element.kind is not ElementKind.VALUE:
            token = self._t[at] if at < len(self._t) else ""
            try:
                values = _hex_values(element.kind, bytes.fromhex(token))
            except ValueError:
                report.elements.append(Values(ident, True, (), observed, None, f"{ident}: {token[:30]!r} is not hex"))
                return at + 1
            report.elements.append(Values(ident, True, values, observed))
            return at + 1
        numbers: list[float | None] = []
        while at < len(self._t) and _NUMBER.match(self._t[at]) and (step is not None or not numbers):
            numbers.append(float(self._t[at]))
            at += 1
        problem = None if numbers else f"{ident}: no value"
        report.elements.append(Values(ident, element is not None, tuple(numbers), observed, step, problem))
        return at
