"""One station connection's SL 651 frames: scan, check CRC, station, password and centre, reassemble, decode, reply.

Replies follow the standard: each report is confirmed (serial number and the
centre's time) ending with ESC (stay online) or EOT; each packet of a multi-packet
message that ends with ETB gets an ACK, the last one the confirmation; a packet
with a bad CRC from a known station gets a NAK so that it is sent again. Link
keep-alives (2FH) are not answered. The station's replies to the centre's commands (37H current data, 4AH
clock set, 51H clock read; see adapters.sl651.talk) close their command and are not confirmed; their data
counts as a report's.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from adapters.sl651.config import Sl651Config
from adapters.sl651.decode import Origin, ReportDecoder
from adapters.sl651.elements import ElementTable, load_table
from adapters.sl651.frame import ACK, EOT, ESC, ETB, NAK, UPLINK_ENDS, Encoding, Frame, Header, encode
from adapters.sl651.report import KEEP_ALIVE, REPORTS, ReportError, parse_report, serial_and_time
from adapters.sl651.scanner import FrameScanner, Junk, Scanned
from adapters.sl651.talk import KINDS, command_frame, shown
from adapters.station_links import LinkEnd, Reply, StationLinks
from adapters.stations import Collected, Fed
from hub.models import DeadLetter, RejectReason
from hub.station_commands import CommandKind, CommandState
from hub.town import Town


@dataclass(frozen=True, slots=True)
class Station:
    device: str
    password: str


class StationBook:
    """What the hub knows of its SL 651 stations: address → device and password, and how to decode them."""

    def __init__(self, town: Town, config: Sl651Config, table: ElementTable | None = None,
                 links: StationLinks | None = None) -> None:
        self.config = config
        self.links = links  # None: no commands (a decoder without connections, as in tests and benchmarks)
        self._serials: dict[str, int] = {}
        self.tz = ZoneInfo(town.town.timezone)
        self.table = (table or load_table()).index()
        self.by_address = {d.address.upper(): Station(d.id, config.password_of(d.id) or "")
                           for d in town.devices if d.adapter == "sl651" and d.address}
        self.decoder = ReportDecoder(self.table, self.tz, config.max_future_s)
        self._clock = (0, "")

    def now(self) -> str:
        """The centre's local time as YYMMDDhhmmss, for replies (formatted once a second)."""
        second = int(time.time())
        if self._clock[0] != second:
            self._clock = (second, datetime.fromtimestamp(second, self.tz).strftime("%y%m%d%H%M%S"))
        return self._clock[1]

    def next_serial(self, device: str) -> int:
        """The serial number of the centre's next command to *device*: 1 to 65535, across its connections."""
        serial = self._serials[device] = self._serials.get(device, 0) % 0xFFFF + 1
        return serial


@dataclass(slots=True)
class _Message:
    """The packets of one multi-packet message received so far."""

    count: int
    started: float
    bodies: dict[int, bytes] = field(default_factory=dict)
    raw: bytes = b""


class Session(LinkEnd):
    """Decodes one station connection's frames into a Collected."""

    def __init__(self, book: StationBook, source: str) -> None:
        super().__init__("sl651", book.config.commands, book.links)
        self._book = book
        self.source = source
        self._scanner = FrameScanner(book.config.max_length)
        self._messages: dict[tuple[str, int], _Message] = {}
        self.device: str | None = None  # the last station authenticated on this connection
        self.junk_run = 0  # bytes of junk since the last good frame
        self._heard: dict[str, Frame] = {}  # each station's last frame here: its address, password and encoding

    def command(self, device: str, kind: CommandKind, now: float) -> tuple[str, bytes, str]:
        """The serial number, frame and shown frame of a command to *device*, in the encoding it speaks."""
        heard = self._heard[device]
        serial = self._book.next_serial(device) if self._book.config.number_commands else 0
        frame = command_frame(heard.encoding, heard.header, kind, serial, datetime.fromtimestamp(now, self._book.tz))
        return str(serial), frame, shown(frame)

    def pending(self) -> int:
        return self._scanner.pending()

    def feed(self, data: bytes, received: float, out: Collected) -> Fed:
        fed = self._decode(self._scanner.feed(data), received, out)
        self.expire(received, out)
        return fed

    def flush(self, received: float, out: Collected) -> Fed:
        return self._decode(self._scanner.flush(), received, out)

    def expire(self, now: float, out: Collected) -> None:
        """Multi-packet messages that will not complete become dead letters."""
        timeout = self._book.config.reassembly_timeout_s
        for key, message in list(self._messages.items()):
            if now - message.started > timeout:
                del self._messages[key]
                station = self._book.by_address.get(key[0])
                detail = f"{len(message.bodies)} of {message.count} packets of a {key[1]:02X}H message arrived"
                out.letters.append(DeadLetter(self.source, message.raw, RejectReason.INCOMPLETE, detail, now,
                                              station.device if station else None))

    def _decode(self, items: list[Scanned], received: float, out: Collected) -> Fed:
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

    def _junk(self, junk: Junk, received: float, out: Collected) -> None:
        self.junk_run += junk.size
        station = self._book.by_address.get(junk.station or "")
        device = station.device if station else self.device
        out.letters.append(DeadLetter(self.source, junk.raw, junk.reason, junk.detail, received, device))

    def _frame(self, frame: Frame, received: float, out: Collected) -> tuple[bytes | None, bool]:
        """The reply owed for *frame*, and whether it was a station's own (right CRC, station and password)."""
        station = self._refuse(frame, received, out)
        if station is None:
            nak = not frame.crc_ok and frame.header.station in self._book.by_address
            return (self._reply(frame, NAK) if nak else None), False
        self._heard_from(station.device, frame)
        origin = Origin(station.device, received, self.source, frame.raw)
        function = frame.header.function
        if function not in REPORTS and function not in KINDS:
            out.letters.append(origin.letter(RejectReason.UNSUPPORTED, f"function {function:02X}H is not a report"))
            return None, True
        body = self._whole(frame, received) if frame.packets else frame.body
        if body is not None and function in KINDS:
            self._answer(frame, body, origin, out)
            return None, True  # a reply to the centre is not confirmed
        if body is not None:
            self._report(frame, body, origin, out)
        if frame.end == ETB:
            return self._reply(frame, ACK), True
        if frame.header.function == KEEP_ALIVE:
            return None, True
        return self._reply(frame, ESC if self._book.config.keep_online else EOT), True

    def _heard_from(self, device: str, frame: Frame) -> None:
        self.device = device
        self.junk_run = 0
        self._heard[device] = frame
        self.heard(device)

    def _answer(self, frame: Frame, body: bytes, origin: Origin, out: Collected) -> None:
        """A station's reply to a command: its data decoded like a report's, and its command closed."""
        kind, before = KINDS[frame.header.function], len(out.readings)
        try:
            if kind is CommandKind.QUERY:  # the body of a timed report
                report = parse_report(frame.encoding, frame.header.function, body, self._book.table)
                self._book.decoder.decode(report, origin, out)
                serial, sent = report.serial, report.sent
            else:
                serial, sent = serial_and_time(frame.encoding, body)
        except ReportError as exc:
            out.letters.append(origin.letter(exc.reason, str(exc)))
            return
        count = len(out.readings) - before
        detail = f"{count} readings" if kind is CommandKind.QUERY else f"station clock now {sent:%Y-%m-%d %H:%M:%S}"
        clock = sent.replace(tzinfo=self._book.tz).timestamp() if kind is CommandKind.READ_CLOCK else None
        if self.links is not None:
            self.links.answer(origin.device, Reply(kind, str(serial), CommandState.ANSWERED, detail, shown(frame.raw),
                                                   count, clock=clock))

    def _clock_seen(self, device: str, sent: datetime, received: float) -> None:
        if self.live is not None:
            self.live.clock_seen(device, sent.replace(tzinfo=self._book.tz).timestamp(), received, self.talk)

    def _refuse(self, frame: Frame, received: float, out: Collected) -> Station | None:
        """The frame's station when the frame is good; else a dead letter and None."""
        h, config = frame.header, self._book.config
        station = self._book.by_address.get(h.station)
        device = station.device if station else None
        if h.downlink:
            reason, detail = RejectReason.BAD_FRAME, "a centre's (downlink) frame"
        elif not frame.crc_ok:
            reason, detail = RejectReason.BAD_CRC, f"CRC does not match (station {h.station})"
        elif station is None:
            reason, detail = RejectReason.UNKNOWN_DEVICE, f"no sl651 device with address {h.station}"
        elif h.password != station.password:
            reason, detail = RejectReason.WRONG_PASSWORD, f"wrong password for {station.device}"
        elif h.centre != config.centre:
            reason, detail = RejectReason.BAD_FRAME, f"addressed to centre {h.centre}, this is centre {config.centre}"
        elif frame.end not in UPLINK_ENDS:
            reason, detail = RejectReason.BAD_FRAME, f"end character {frame.end:02X}H is not one a station sends"
        else:
            return station
        out.letters.append(DeadLetter(self.source, frame.raw, reason, detail, received, device))
        return None

    def _whole(self, frame: Frame, received: float) -> bytes | None:
        """The message's body once its last packet has arrived; None while packets are missing."""
        assert frame.packets is not None
        count, serial = frame.packets
        key = (frame.header.station, frame.header.function)
        message = self._messages.get(key)
        if message is None or message.count != count:
            message = self._messages[key] = _Message(count, received)
        message.bodies[serial] = frame.body
        message.raw = frame.raw
        if len(message.bodies) < count:
            return None
        del self._messages[key]
        return b"".join(message.bodies[k] for k in sorted(message.bodies))

    def _report(self, frame: Frame, body: bytes, origin: Origin, out: Collected) -> None:
        try:
            report = parse_report(frame.encoding, frame.header.function, body, self._book.table)
        except ReportError as exc:
            out.letters.append(origin.letter(exc.reason, str(exc)))
            return
        if report.station is not None and report.station != frame.header.station:
            out.letters.append(origin.letter(RejectReason.BAD_FRAME, f"the body names station {report.station}, "
                                                                     f"the header {frame.header.station}"))
            return
        self._clock_seen(origin.device, report.sent, origin.received)
        self._book.decoder.decode(report, origin, out)

    def _reply(self, frame: Frame, end: int) -> bytes:
        """A downlink frame for *frame*: the serial number it carried (0 when unknown) and the centre's time."""
        h = frame.header
        now = self._book.now()
        serial = _serial(frame)
        body = serial.to_bytes(2, "big") + bytes.fromhex(now) if frame.encoding is Encoding.HEX \
            else f"{serial:04X} {now}".encode("ascii")
        down = Header(self._book.config.centre, h.station, h.password, h.function, downlink=True)
        return encode(frame.encoding, down, body, end, frame.packets)


def _serial(frame: Frame) -> int:
    """The serial number at the start of a report's body (only the first packet of a message has one)."""
    if frame.packets is not None and frame.packets[1] != 1:
        return 0
    try:
        if frame.encoding is Encoding.HEX:
            return int.from_bytes(frame.body[:2], "big") if len(frame.body) >= 2 else 0
        return int(frame.body[:4], 16)
    except ValueError:
        return 0
