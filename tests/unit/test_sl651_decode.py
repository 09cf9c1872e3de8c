"""SL 651 reports → readings: each report type in both encodings, the element table, BCD and its failures."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from adapters.sl651.decode import Origin, ReportDecoder
from adapters.sl651.elements import load_table
from adapters.sl651.frame import Encoding
from adapters.sl651.report import ReportError, parse_report
from adapters.stations import Collected
from hub.models import DeviceEventKind, Quality, RejectReason
from tests.sl651_support import STATION, ascii_body, hex_body

TZ = ZoneInfo("Asia/Shanghai")
TABLE = load_table().index()
RECEIVED = datetime(2025, 6, 1, 10, 1, tzinfo=TZ).timestamp()
T10 = datetime(2025, 6, 1, 10, 0, tzinfo=TZ).timestamp()


def decode(encoding: Encoding, function: int, body: bytes | str) -> Collected:
    data = body.encode() if isinstance(body, str) else body
    out = Collected()
    report = parse_report(encoding, function, data, TABLE)
    ReportDecoder(TABLE, TZ, 300).decode(report, Origin("RG01", RECEIVED, "test", data), out)
    return out


def values(out: Collected) -> dict[str, list[tuple[float, float]]]:
    got: dict[str, list[tuple[float, float]]] = {}
    for r in out.readings:
        got.setdefault(r.quantity, []).append((r.ts, r.value))
    return got


# Z 12.345 m (def 23: 4 bytes, 3 decimals), PT 123.4 mm (19: 3 bytes, 1), PJ 1.5 mm, VT 12.34 V (12: 2 bytes, 2),
# C -1.5 °C (negative: FF then BCD, def 1A-ish: 3 bytes, 1 decimal), Q 3.25 m3/s (2B? 5 bytes, 3).
HEX_TIMED = "39 23 00 01 23 45  26 19 00 12 34  20 19 00 00 15  38 12 12 34  03 19 FF 00 15  27 2B 00 00 00 32 50"
ASCII_TIMED = "Z 12.345 PT 123.4 PJ 1.5 VT 12.34 C -1.5 Q 3.250"


@pytest.mark.parametrize(("encoding", "body"), [(Encoding.HEX, hex_body(HEX_TIMED)),
                                                (Encoding.ASCII, ascii_body(ASCII_TIMED))])
@pytest.mark.parametrize("function", [0x30, 0x32, 0x33, 0x34])
def test_timed_test_add_on_and_hourly_reports(encoding: Encoding, body: bytes | str, function: int) -> None:
    out = decode(encoding, function, body)
    assert not out.letters
    assert values(out) == {"water_level": [(T10, 12.345)], "rainfall_total": [(T10, 123.4)],
                           "rainfall.current": [(T10, 1.5)], "battery_voltage": [(T10, 12.34)],
                           "water_temperature": [(T10, -1.5)], "flow": [(T10, 3.25)]}
    assert {r.unit for r in out.readings} == {"m", "mm", "V", "°C", "m3/s"}


def test_serial_send_time_station_and_category() -> None:
    report = parse_report(Encoding.HEX, 0x32, hex_body("", serial=0x0102, category="H"), TABLE)
    assert (report.serial, report.sent, report.station, report.category) == (
        0x0102, datetime(2025, 6, 1, 10, 0, 5), STATION, "H")
    text = parse_report(Encoding.ASCII, 0x32, ascii_body("", serial=0x0102).encode(), TABLE)
    assert (text.serial, text.sent, text.station, text.category) == (
        0x0102, datetime(2025, 6, 1, 10, 0, 5), STATION, "P")


def test_keep_alive_is_a_sign_of_life_only() -> None:
    for encoding, body in ((Encoding.HEX, bytes.fromhex("0007 250601100005")), (Encoding.ASCII, "0007 250601100005")):
        out = decode(encoding, 0x2F, body)
        assert not out.readings and not out.letters and out.reports[0].device == "RG01"


def test_drp_expands_into_five_minute_readings_at_their_own_times() -> None:
    drp = "F4 60 00 01 02 03 04 05 06 07 08 09 0A FF"  # 0.1 mm each; FF: no data
    out = decode(Encoding.HEX, 0x34, hex_body(drp))
    got = values(out)["rainfall.5m"]
    assert got[0] == (T10 - 55 * 60, 0.0) and got[-1] == (T10 - 5 * 60, 1.0) and len(got) == 11
    text = decode(Encoding.ASCII, 0x34, ascii_body("DRP 000102030405060708090AFF"))
    assert values(text)["rainfall.5m"] == got


def test_evenly_spaced_series() -> None:
    series = "04 18 00 00 05  39 23 00 01 00 00 00 01 00 50 00 01 01 00"  # every 5 minutes from TT
    out = decode(Encoding.HEX, 0x31, hex_body(series))
    assert values(out)["water_level"] == [(T10, 10.0), (T10 + 300, 10.05), (T10 + 600, 10.1)]
    text = decode(Encoding.ASCII, 0x31, ascii_body("DRN05 Z 10.000 10.050 10.100"))
    assert values(text) == values(out)


def test_a_second_observation_time_applies_to_what_follows() -> None:
    out = decode(Encoding.HEX, 0x32, hex_body("39 23 00 01 00 00  F0 F0 25 06 01 09 00  39 23 00 00 90 00"))
    assert values(out)["water_level"] == [(T10, 10.0), (T10 - 3600, 9.0)]


def test_status_bits_become_device_events_when_they_change() -> None:
    decoder = ReportDecoder(TABLE, TZ, 300)
    events = []
    for word in ("00000002", "00000006", "00000004"):  # battery low; + level over limit; battery back
        body = hex_body("45 20 " + word)
        out = Collected()
        decoder.decode(parse_report(Encoding.HEX, 0x32, body, TABLE), Origin("RG01", RECEIVED, "t", body), out)
        events += [(e.kind, e.reason) for e in out.events]
        assert out.readings[0].quantity == "sl651:ZT"
    assert events == [(DeviceEventKind.FAULT, "sl651 battery_low"),
                      (DeviceEventKind.FAULT, "sl651 water_level_over_limit"),
                      (DeviceEventKind.FAULT_CLEARED, "sl651 battery_low")]


def test_unknown_identifiers_are_kept_under_their_own_name() -> None:
    out = decode(Encoding.HEX, 0x32, hex_body("3A 23 00 00 12 34  FF 85 08 25"))
    assert values(out) == {"sl651:3A": [(T10, 1.234)], "sl651:FF85": [(T10, 25.0)]}
    text = decode(Encoding.ASCII, 0x32, ascii_body("ZB 1.234"))
    assert values(text) == {"sl651:ZB": [(T10, 1.234)]}
    assert all(r.unit == "" for r in out.readings)


def test_impossible_bcd_costs_only_its_element() -> None:
    out = decode(Encoding.HEX, 0x32, hex_body("39 23 00 01 2A 45  26 19 00 12 34"))
    assert values(out) == {"rainfall_total": [(T10, 123.4)]}
    [letter] = out.letters
    assert letter.reason is RejectReason.WRONG_TYPE and "impossible BCD" in letter.detail and letter.device == "RG01"


def test_impossible_bcd_in_a_time_costs_the_report() -> None:
    with pytest.raises(ReportError, match="impossible BCD"):
        parse_report(Encoding.HEX, 0x32, hex_body("", sent="25060110000A"), TABLE)
    with pytest.raises(ReportError, match="no date"):
        parse_report(Encoding.HEX, 0x32, hex_body("", observed="2513011000"), TABLE)


def test_values_outside_the_quantity_and_future_times_are_rejected() -> None:
    out = decode(Encoding.HEX, 0x32, hex_body("38 12 99 99"))  # 99.99 V
    assert out.letters[0].reason is RejectReason.IMPOSSIBLE_VALUE
    out = decode(Encoding.HEX, 0x32, hex_body("39 23 00 01 00 00", observed="2506011200"))
    assert out.letters[0].reason is RejectReason.BAD_TIME and not out.readings


def test_manual_reports_are_marked_manual() -> None:
    out = decode(Encoding.HEX, 0x35, hex_body("39 23 00 01 00 00"))
    assert [r.quality for r in out.readings] == [Quality.MANUAL]


def test_the_table_is_validated(tmp_path: Path) -> None:
    bad = tmp_path / "elements.yaml"
    bad.write_text("elements:\n  - {code: '39', name: Z, quantity: water_level, unit: furlong}\n")
    with pytest.raises(ValueError, match="furlong"):
        load_table(bad)
    bad.write_text("elements:\n  - {code: '39', name: Z, quantity: water_level, unit: m, typo: 1}\n")
    with pytest.raises(ValueError, match="typo"):
        load_table(bad)
    assert datetime.fromtimestamp(T10, UTC).hour == 2
