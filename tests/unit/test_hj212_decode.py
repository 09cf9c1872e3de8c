"""HJ 212 packets → readings: factor codes, statistics, quality flags, refusals, split packets, MQTT."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.hj212.decode import QUALITY as QUALITY_FLAGS
from adapters.hj212.frame import encode
from adapters.hj212.mqtt import Hj212PayloadDecoder
from adapters.hj212.packet import parse_segment
from adapters.hj212.session import Session, StationBook
from adapters.mqtt.router import BatchBuilder, MqttRouter
from adapters.stations import Collected
from hub.models import Quality, RejectReason
from tests.hj212_support import MN1, MN2, PW2, TOWN, frame, segment
from tests.support import sample_town

HJ212 = sample_town().sections["hj212"]
TS = datetime(2026, 11, 22, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp()
NOW = TS + 60


def feed(data: bytes, session: Session | None = None) -> tuple[Collected, list[bytes]]:
    out = Collected()
    session = session or Session(StationBook(TOWN, HJ212), "test")
    fed = session.feed(data, NOW, out)
    return out, fed.replies


def test_real_time_values_map_to_canonical_quantities_with_quality() -> None:
    cp = ("DataTime=20261122100000;w01018-Rtd=12.5,w01018-Flag=N;w21003-Rtd=0.40,w21003-Flag=D;"
          "w00000-Rtd=250,w00000-Flag=N;w01001-Rtd=7.1,w01001-Flag=Q;w99999-Rtd=3,w99999-Flag=C;"
          "w01018-SampleTime=20261122095500")
    out, replies = feed(frame("2011", cp))
    got = {(r.quantity, r.value, r.unit, r.quality) for r in out.readings}
    assert got == {("cod", 12.5, "mg/L", Quality.GOOD), ("ammonia_nitrogen", 0.4, "mg/L", Quality.FAULT),
                   ("flow", 0.25, "m3/s", Quality.GOOD), ("ph", 7.1, "pH", Quality.SUSPECT),
                   ("hj212:w99999", 3.0, "", Quality.CALIBRATION)}
    assert {r.ts for r in out.readings} == {TS} and {r.device for r in out.readings} == {"WQ01"}
    assert not out.letters
    assert replies == [encode(f"QN=20261122100000001;ST=91;CN=9014;PW=123456;MN={MN1};Flag=4;CP=&&&&")]


@pytest.mark.parametrize(("cn", "window"), [("2051", "1m"), ("2061", "1h"), ("2031", "1d")])
def test_statistics_are_named_by_window(cn: str, window: str) -> None:
    cp = "DataTime=20261122100000;w01018-Min=10,w01018-Avg=12,w01018-Max=14,w01018-Cou=3.5,w01018-Flag=N"
    out, _ = feed(frame(cn, cp, flag=4))
    assert {(r.quantity, r.value, r.unit) for r in out.readings} == {
        (f"cod.min_{window}", 10, "mg/L"), (f"cod.avg_{window}", 12, "mg/L"), (f"cod.max_{window}", 14, "mg/L"),
        (f"cod.cou_{window}", 3.5, "kg")}


def test_bad_values_cost_only_themselves() -> None:
    cp = "DataTime=20261122100000;w01018-Rtd=abc;w01001-Rtd=99;w21003-Rtd=nan;w01010-Rtd=18.5"
    out, _ = feed(frame("2011", cp))
    assert [(r.quantity, r.value) for r in out.readings] == [("water_temperature", 18.5)]
    assert sorted(d.reason for d in out.letters) == ["impossible_value", "wrong_type", "wrong_type"]


@pytest.mark.parametrize(("cp", "why"), [("w01018-Rtd=1", "missing"), ("DataTime=2026;w01018-Rtd=1", "YYYY"),
                                         ("DataTime=20261399100000;w01018-Rtd=1", "month"),
                                         ("DataTime=20991122100000;w01018-Rtd=1", "future"),
                                         ("DataTime=19991122100000;w01018-Rtd=1", "2000")])
def test_bad_data_time_rejects_the_packet(cp: str, why: str) -> None:
    out, _ = feed(frame("2011", cp))
    assert not out.readings and [d.reason for d in out.letters] == [RejectReason.BAD_TIME]
    assert why in out.letters[0].detail


def test_refusals_use_the_standards_reply_codes() -> None:
    good = frame()
    bad_crc = good[:-6] + b"0000\r\n"
    out, replies = feed(bad_crc + frame(mn="UNKNOWN0001") + frame(pw="000000") + frame(mn=MN2, pw=PW2))
    assert [d.reason for d in out.letters] == ["bad_crc", "unknown_device", "wrong_password"]
    assert all(d.device is None for d in out.letters)
    codes = [parse_segment(r[6:-6].decode()).cp for r in replies]
    assert codes == ["QnRtn=9", "QnRtn=4", "QnRtn=3", ""]
    assert [r.device for r in out.readings] == ["WQ02"]


def test_status_and_unsupported_commands() -> None:
    out, _ = feed(frame("2021", "DataTime=20261122100000;SB1-RS=1;SB2-RS=0") + frame("1061", "RtdInterval=30"))
    assert [(r.device, r.online, r.ts) for r in out.reports] == [("WQ01", True, TS)]
    assert {r.quantity for r in out.readings} == {"hj212:SB1-RS", "hj212:SB2-RS"}
    assert [d.reason for d in out.letters] == ["unsupported"]


def test_a_station_clock_that_does_not_read_is_a_bad_time() -> None:
    out, _ = feed(frame("1011", "SystemTime=1") + frame("1011", "SystemTime=20261122100000"))
    assert [(d.reason, d.device) for d in out.letters] == [("bad_time", "WQ01")]  # the good one tells a clock


def split(pno: int, cp: str, pnum: int = 3) -> bytes:
    return frame("2011", cp, flag=7, extra=f"PNUM={pnum};PNO={pno};")


def test_split_packets_are_joined_in_order() -> None:
    session = Session(StationBook(TOWN, HJ212), "test")
    out, replies = feed(split(3, "w01010-Rtd=18") + split(1, "DataTime=20261122100000;w01018-Rtd=12"), session)
    assert not out.readings and len(replies) == 2
    out, _ = feed(split(2, "w21003-Rtd=0.4"), session)
    assert {(r.quantity, r.ts) for r in out.readings} == {("cod", TS), ("ammonia_nitrogen", TS),
                                                          ("water_temperature", TS)}


def test_incomplete_split_packets_time_out_as_dead_letters() -> None:
    session = Session(StationBook(TOWN, HJ212), "test")
    feed(split(1, "DataTime=20261122100000;w01018-Rtd=12"), session)
    out = Collected()
    session.expire(NOW + HJ212.reassembly_timeout_s + 1, out)
    assert [(d.reason, d.device) for d in out.letters] == [(RejectReason.INCOMPLETE, "WQ01")]
    assert "parts 1 of 3" in out.letters[0].detail


def test_mqtt_topics_are_decoded_by_the_hj212_codec() -> None:
    decoder = Hj212PayloadDecoder(TOWN, HJ212)
    router = MqttRouter(TOWN, sample_town().sections["json"], 4096, [(t, decoder) for t in decoder.topics])
    assert "hj212/+/up" in router.data_subscriptions()
    out = BatchBuilder()
    router.handle(f"hj212/{MN1}/up", frame(), NOW, out)
    router.handle(f"hj212/{MN1}/up", frame()[:-2], NOW, out)  # a gateway that strips the CRLF
    router.handle(f"hj212/{MN1}/up", frame()[:30], NOW, out)  # half a frame
    router.handle(f"hj212/{MN1}/up", b"not a frame", NOW, out)
    assert out.messages == 4
    assert [(r.device, r.quantity, r.value) for r in out.readings] == [("WQ01", "cod", 12.5)] * 2
    assert [d.reason for d in out.letters] == ["bad_length", "bad_frame"]
    assert out.letters[0].source == f"mqtt:hj212/{MN1}/up"


def test_sample_section_and_the_segment_helper_agree() -> None:
    assert HJ212.password_of("WQ01") == "123456" and HJ212.password_of("WQ02") == PW2
    assert segment().startswith("QN=")


CP_TEXT = st.text(alphabet="w0123456789-RtdAvgFlagNDT=;,&.eE+x \u00e9", max_size=200)


@settings(max_examples=300, deadline=None)
@given(cp=CP_TEXT, cn=st.sampled_from(["2011", "2051", "2061", "2031", "2021", "9999"]),
       flag=st.integers(0, 15), extra=st.sampled_from(["", "PNUM=2;PNO=1;", "PNUM=x;", "PNUM=1;PNO=2;"]))
def test_random_packets_never_raise_and_every_packet_is_accounted_for(cp: str, cn: str, flag: int,
                                                                      extra: str) -> None:
    try:
        data = frame(cn, cp, flag=flag, extra=extra)
    except (UnicodeEncodeError, ValueError):
        return  # not ASCII: the station could not have framed it
    out, replies = feed(data)
    assert out.readings or out.letters or out.reports or replies or "PNUM=2" in extra


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.floats(min_value=0, max_value=14, allow_nan=False).map(lambda v: round(v, 4)),
                       min_size=1, max_size=5),
       quality=st.sampled_from(sorted(QUALITY_FLAGS)))
def test_round_trip_of_values_and_flags(values: list[float], quality: str) -> None:
    codes = ["w01001", "w01018", "w21003", "w21011", "w21001"][:len(values)]
    cp = "DataTime=20261122100000;" + ";".join(f"{c}-Rtd={v},{c}-Flag={quality}" for c, v in zip(codes, values,
                                                                                                  strict=True))
    out, _ = feed(frame("2011", cp))
    assert not out.letters
    assert [(r.value, r.quality) for r in out.readings] == [(v, QUALITY_FLAGS[quality]) for v in values]
