"""One stream of HJ 212 frames: scan, check CRC, MN and PW, reassemble, decode, and say what to reply.

A TCP connection has one session; the MQTT ingest has one for all its topics
(replies are not sent there: the broker's PUBACK is the delivery receipt). Over TCP the centre's commands
(adapters.hj212.talk) go out through the session of the connection the station last spoke on, and the
station's replies close them.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from adapters.hj212.config import Hj212Config
from adapters.hj212.decode import Origin, PacketDecoder, Sink
from adapters.hj212.frame import Frame, FrameScanner, Junk, Scanned, encode
from adapters.hj212.packet import Packet, QnRtn, SegmentError, data_ack, parse_segment, refusal
from adapters.hj212.reassembly import GivenUp, Reassembler
from adapters.hj212.talk import (
    DONE,
    EXECUTION_REPLY,
    READ_TIME,
    REALTIME,
    REPLIES,
    TIME_ASKED,
    command_frame,
    qn_time,
    return_code,
    told_time,
)
from adapters.station_links import LinkEnd, Reply, StationLinks
from adapters.stations import Fed
from hub.models import DeadLetter, RejectReason
from hub.station_commands import CommandKind, CommandState
from hub.town import Town


@dataclass(frozen=True, slots=True)
class Station:
    device: str
    password: str


class StationBook:
    """What the hub knows of its HJ 212 stations: MN → device and password, and how to decode them."""

    def __init__(self, town: Town, config: Hj212Config, links: StationLinks | None = None) -> None:
        self.config = config
        self.links = links  # None: no commands (the MQTT ingest, tests, benchmarks)
        self.tz = ZoneInfo(town.town.timezone)
        self._last_qn = ""
        self.by_mn = {d.address: Station(d.id, config.password_of(d.id) or "")
                      for d in town.devices if d.adapter == "hj212" and d.address}
        self.decoder = PacketDecoder(self.tz, config.max_future_s)

    def next_qn(self, now: float) -> str:
        """A QN for a command: the town's local time to the millisecond, never the same twice."""
        qn = datetime.fromtimestamp(now, self.tz).strftime("%Y%m%d%H%M%S%f")[:17]
        if qn <= self._last_qn:
            qn = str(int(self._last_qn) + 1)
        self._last_qn = qn
        return qn


class Session(LinkEnd):
    """Decodes one station connection's (or one MQTT ingest's) frames into a Sink."""

    def __init__(self, book: StationBook, source: str) -> None:
        super().__init__("hj212", book.config.commands, book.links)
        self._book = book
        self.source = source
        self._scanner = FrameScanner(book.config.max_segment_bytes)
        self._parts = Reassembler(book.config.reassembly_timeout_s)
        self.device: str | None = None  # the last station authenticated on this stream
        self.junk_run = 0  # bytes of junk since the last good frame: a stream that is all junk gets closed
        self._heard: dict[str, Packet] = {}  # each station's last packet here: its ST, PW and MN
        self._sent: deque[str] = deque(maxlen=64)  # QNs of our commands: a packet carrying one tells our time

    def command(self, device: str, kind: CommandKind, now: float) -> tuple[str, bytes, str]:
        """The QN, frame and shown frame of a command to *device*."""
        heard = self._heard[device]
        qn = self._book.next_qn(now)
        self._sent.append(qn)
        segment = command_frame(kind, qn, heard.st, heard.pw, heard.mn, datetime.fromtimestamp(now, self._book.tz))
        frame = encode(segment)
        return qn, frame, frame.decode("ascii").strip()

    def pending(self) -> int:
        return self._scanner.pending()

    def feed(self, data: bytes, received: float, out: Sink) -> Fed:
        """Decode every complete frame in *data* (and what was held from before)."""
        fed = self._decode(self._scanner.feed(data), received, out)
        self.expire(received, out)
        return fed

    def flush(self, received: float, out: Sink) -> Fed:
        """The end of the stream (or of an MQTT message): give up an unfinished frame, decode what follows it."""
        return self._decode(self._scanner.flush(), received, out)

    def _decode(self, items: list[Scanned], received: float, out: Sink) -> Fed:
        replies: list[bytes] = []
        frames = accepted = 0
        for item in items:
            if isinstance(item, Junk):
                self._junk(item, received, out)
                continue
            frames += 1
            reply, ok = self._frame(item, received, out)
            accepted += ok
            if reply is not None:
                replies.append(reply)
        return Fed(frames, replies, accepted)

    def _junk(self, junk: Junk, received: float, out: Sink) -> None:
        self.junk_run += junk.size
        out.letters.append(DeadLetter(self.source, junk.raw, junk.reason, junk.detail, received, self.device))

    def expire(self, now: float, out: Sink) -> None:
        """Report split packets that will not complete."""
        self._given_up(self._parts.expire(now), now, out)

    def _frame(self, frame: Frame, received: float, out: Sink) -> tuple[bytes | None, bool]:
        """The reply owed for *frame*, and whether it was the station's own (right CRC, MN and PW)."""
        raw = frame.segment
        try:
            packet = parse_segment(raw.decode("ascii"))
        except (UnicodeDecodeError, SegmentError) as exc:
            reason = RejectReason.BAD_FRAME if frame.crc_ok else RejectReason.BAD_CRC
            out.letters.append(DeadLetter(self.source, raw, reason, _why(exc), received, self.device))
            return None, False
        refused = self._refuse(frame, packet, received, out)
        if refused is not None:
            return encode(refused), False
        station = self._book.by_mn[packet.mn]
        self._heard_from(station.device, packet)
        if packet.cn in REPLIES:
            self._reply(station.device, packet, raw)
            return None, True
        if packet.cn in (READ_TIME, TIME_ASKED):
            self._clock(station.device, packet, raw, received, out)
            return (encode(data_ack(packet)) if packet.wants_ack else None), True
        ack = encode(data_ack(packet)) if packet.wants_ack else None
        if packet.split:
            whole, given_up = self._parts.add(packet, received, raw)
            self._given_up(given_up, received, out)
            if whole is None:
                return ack, True
            packet = whole
        before = len(out.readings)
        self._book.decoder.decode(packet, Origin(station.device, received, self.source, raw), out)
        self._data(station.device, packet, raw, received, len(out.readings) - before)
        return ack, True

    def _heard_from(self, device: str, packet: Packet) -> None:
        self.device = device
        self.junk_run = 0
        self._heard[device] = packet
        self.heard(device)

    def _reply(self, device: str, packet: Packet, raw: bytes) -> None:
        """A 9011 or 9012: a refusal or failure closes its command; ExeRtn=1 closes a clock setting."""
        code, links = return_code(packet), self.links
        if links is None:
            return
        if code == DONE and packet.cn != EXECUTION_REPLY:
            links.taken(device, packet.qn)  # its data or its execution reply follows
            return
        text = raw.decode("ascii", "replace")
        if code == DONE:
            links.answer(device, Reply(CommandKind.SET_CLOCK, packet.qn, CommandState.ANSWERED, "station clock set",
                                       text))
            return
        what = "QnRtn" if packet.cn != EXECUTION_REPLY else "ExeRtn"
        links.answer(device, Reply(None, packet.qn, CommandState.REFUSED, f"{what}={code or '?'}", text))

    def _clock(self, device: str, packet: Packet, raw: bytes, received: float, out: Sink) -> None:
        """The station tells its clock (CN=1011, asked by the centre) or asks for the time (CN=1013)."""
        if packet.cn == TIME_ASKED:
            if self.live is not None:
                self.live.clock_seen(device, received, received, self.talk, asked=True)
            return
        qn, told = told_time(packet)
        text = raw.decode("ascii", "replace")
        if told is None:
            out.letters.append(DeadLetter(self.source, raw, RejectReason.BAD_TIME,
                                          "CN=1011 without a SystemTime (YYYYMMDDhhmmss) that reads", received, device))
            if self.links is not None:
                self.links.answer(device, Reply(CommandKind.READ_CLOCK, qn, CommandState.REFUSED,
                                                "no SystemTime that reads", text))
            return
        if self.links is None:
            return
        self.links.answer(device, Reply(CommandKind.READ_CLOCK, qn, CommandState.ANSWERED,
                                        f"station clock now {told:%Y-%m-%d %H:%M:%S}", text,
                                        clock=told.replace(tzinfo=self._book.tz).timestamp()))

    def _data(self, device: str, packet: Packet, raw: bytes, received: float, readings: int) -> None:
        """A data packet: the answer to a query when it is real-time data; its QN tells the station's clock."""
        links = self.live
        if links is None:
            return
        if packet.cn == REALTIME:
            links.answer(device, Reply(CommandKind.QUERY, packet.qn, CommandState.ANSWERED, f"{readings} readings",
                                       raw.decode("ascii", "replace"), readings, after_taken=True))
        station_time = qn_time(packet.qn)
        if station_time is not None and packet.qn not in self._sent:
            links.clock_seen(device, station_time.replace(tzinfo=self._book.tz).timestamp(), received, self.talk)

    def _refuse(self, frame: Frame, packet: Packet, received: float, out: Sink) -> str | None:
        """The CN 9011 refusal for a bad CRC, an unknown MN or a wrong PW; None when the packet is good.

        Refused packets carry no device: unauthenticated traffic must not make a station look alive.
        """
        station = self._book.by_mn.get(packet.mn)
        if not frame.crc_ok:
            reason, code, detail = RejectReason.BAD_CRC, QnRtn.CRC_ERROR, f"CRC does not match (MN={packet.mn})"
        elif station is None:
            reason, code, detail = RejectReason.UNKNOWN_DEVICE, QnRtn.MN_ERROR, f"no hj212 device with MN={packet.mn}"
        elif packet.pw != station.password:
            reason, code, detail = RejectReason.WRONG_PASSWORD, QnRtn.PW_ERROR, f"wrong PW for {station.device}"
        else:
            return None
        out.letters.append(DeadLetter(self.source, frame.segment, reason, detail, received))
        return refusal(packet, code)

    def _given_up(self, given: list[GivenUp], now: float, out: Sink) -> None:
        for g in given:
            station = self._book.by_mn.get(g.mn)
            out.letters.append(DeadLetter(self.source, g.raw, RejectReason.INCOMPLETE, g.detail, now,
                                          station.device if station else None))


def _why(exc: Exception) -> str:
    return "data segment is not ASCII" if isinstance(exc, UnicodeDecodeError) else str(exc)
