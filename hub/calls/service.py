"""The call service: the centre's actions, participants' presence, stored and announced; media through the SFU.

Changes are stored one at a time (a lock around book, store and bus), so the
store and the feeds see them in the order the book made them. Calls are rare
and human-paced: no write-behind is needed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import AsyncIterator, Callable
from enum import StrEnum

from hub.alerts.ids import Ids
from hub.alerts.service import AlertService
from hub.alerts.store import StaleWrite
from hub.bus import Bus
from hub.calls.book import CallBook, CallError, CallInvalid
from hub.calls.config import CallCreate, CallsConfig
from hub.calls.history import TITLE, note
from hub.calls.model import Call, CallEntry, CallEvent, Side
from hub.calls.ports import LegLost, MediaLeg, Member, Sfu
from hub.calls.store import CallStore
from hub.town import Device, DeviceKind, Town
from hub.users.model import Principal

log = logging.getLogger(__name__)
SPARE_SEQS = 8
SHAREABLE = frozenset({"rtsp"})  # camera adapters whose stream the SFU can take as it is


class Ended(StrEnum):
    """Why the service ended someone's presence on their socket."""

    REMOVED = "removed"
    CALL_ENDED = "call_ended"
    REPLACED = "replaced"  # the same account joined again, from another page


class Attendance:
    """One participant on one socket: the media leg, and an end the service may call."""

    def __init__(self, leg: MediaLeg) -> None:
        self.leg = leg
        self.ended: asyncio.Future[Ended] = asyncio.get_running_loop().create_future()
        self.leaving = False  # set when the browser said it leaves (else its going is a drop)

    def end(self, why: Ended) -> None:
        if not self.ended.done():
            self.ended.set_result(why)


class CallService:
    """Owns the call book; everything that changes a call goes through here. Loop only."""

    def __init__(self, town: Town, config: CallsConfig, store: CallStore, bus: Bus, clock: Callable[[], float],
                 sfu: Sfu, alerts: AlertService | None, share_cameras: bool = True) -> None:
        self.town = town
        self.config = config
        self.store = store
        self.sfu = sfu
        self._bus = bus
        self._clock = clock
        self._alerts = alerts
        self._share_cameras = share_cameras  # False in the demo, whose cameras are simulated
        self.book = CallBook(clock)
        self.villages = {v.id: v.name for v in town.villages}
        self._lock = asyncio.Lock()
        self._present: dict[tuple[int, str], Attendance] = {}
        self._ids: tuple[Ids, Ids] = (Ids.counting(), Ids.counting())
        self.stale_writes = 0
        # Another process wrote a call this one was about to overwrite: the hub must stop. (A failing write is not
        # retried here: the action that made it fails, and its caller is told.)
        self.failed = asyncio.Event()

    async def start(self) -> None:
        """Load the open calls, mark who was in them as dropped, and open their rooms again."""
        calls, (last_id, last_seq) = await asyncio.to_thread(lambda: (self.store.open_calls(), self.store.last_ids()))
        # Call ids one at a time, as a call opens, so that they stay in a row; log numbers a few ahead.
        self._ids = (Ids(lambda n: self.store.reserve_ids("call", n), 1, last_id),
                     Ids(lambda n: self.store.reserve_ids("call_seq", n), SPARE_SEQS, last_seq))
        await self._ids[1].top_up()
        self.book = CallBook(self._clock, calls, ids=self._ids[0], seqs=self._ids[1])
        for event in self.book.after_restart():
            await self._commit(event)
        for call in list(self.book.calls.values()):
            try:
                await self.sfu.open_room(call.id)
                if call.camera:
                    await self._share_media(call.id, call.camera)
            except LegLost as exc:  # the hub runs on; the room is made when someone joins
                log.error("call %d: no room on the video server yet: %s", call.id, exc)
        log.info("calls: %d open", len(calls))

    # --- the centre's actions -----------------------------------------------------------------

    async def open(self, spec: CallCreate, principal: Principal) -> Call:
        """A new call; CallError (with the reason) if it names what the town lacks; KeyError: no such alert."""
        alert = self._alerts.book.by_id[spec.alert_id] if self._alerts and spec.alert_id is not None else None
        if spec.alert_id is not None and alert is None:
            raise KeyError(spec.alert_id)
        villages = tuple(dict.fromkeys(spec.villages)) or ((alert.village,) if alert and alert.village else ())
        self._check_villages(villages)
        camera = spec.camera or (self._camera_near(alert.device, alert.grid, alert.village, spec.nearest_camera)
                                 if alert else None)
        if camera is not None:
            self._camera_url(camera)
        title = spec.title or (alert.title if alert else TITLE)
        await self._ids[0].top_up()
        event = await self._commit(self.book.open(title, villages, principal.actor, spec.alert_id))
        try:
            await self.sfu.open_room(event.call.id)
        except Exception:
            await self._commit(self.book.end(event.call.id, "system"))
            raise
        if camera is not None:
            return await self.share(event.call.id, camera, principal)
        return event.call

    async def invite(self, call_id: int, villages: list[str], principal: Principal) -> Call:
        self._check_villages(tuple(villages))
        return (await self._commit(self.book.invite(call_id, tuple(dict.fromkeys(villages)), principal.actor))).call

    async def share(self, call_id: int, camera: str | None, principal: Principal) -> Call:
        """Share *camera* into the call (replacing the one shared), or stop sharing (None)."""
        if camera is not None:
            self._camera_url(camera)
        if camera == self.book.get(call_id).camera:
            raise CallError("that camera is shared already" if camera else "no camera is shared")
        if camera is None:
            await self.sfu.unshare(call_id)
        else:
            await self._share_media(call_id, camera)
        return (await self._commit(self.book.share(call_id, camera, principal.actor))).call

    async def remove(self, call_id: int, username: str, principal: Principal) -> Call:
        event = await self._commit(self.book.remove(call_id, username, principal.actor))
        self._end_presence(call_id, username, Ended.REMOVED)
        return event.call

    async def end(self, call_id: int, principal: Principal) -> Call:
        event = await self._commit(self.book.end(call_id, principal.actor))
        for (cid, username) in list(self._present):
            if cid == call_id:
                self._end_presence(cid, username, Ended.CALL_ENDED)
        await self.sfu.close_room(call_id)
        return event.call

    # --- participants ---------------------------------------------------------------------------

    def check(self, call_id: int, principal: Principal) -> Call:
        """The call if *principal* may join it: KeyError (no such open call) or CallRefused."""
        return self.book.check(call_id, principal)

    @contextlib.asynccontextmanager
    async def attend(self, call_id: int, principal: Principal) -> AsyncIterator[Attendance]:
        """*principal* in the call, with a media leg, until the context ends (then they left or dropped)."""
        call = self.book.check(call_id, principal)
        if len(call.present()) >= self.config.max_participants and not call.participant(principal.username):
            raise CallError(f"the call is full ({self.config.max_participants})")
        self._end_presence(call_id, principal.username, Ended.REPLACED)
        await self._commit(self.book.join(call_id, principal))
        attendance: Attendance | None = None
        try:
            async with self.sfu.leg(call_id, self._member(principal)) as leg:
                attendance = Attendance(leg)
                self._present[(call_id, principal.username)] = attendance
                yield attendance
        finally:
            if self._present.get((call_id, principal.username)) is attendance:
                del self._present[(call_id, principal.username)]
            if attendance is None or not attendance.ended.done():
                dropped = attendance is None or not attendance.leaving
                left = self.book.leave(call_id, principal, dropped)
                if left is not None:
                    await self._commit(left)

    async def mute(self, call_id: int, username: str, audio: bool, video: bool) -> None:
        event = self.book.mute(call_id, username, audio, video)
        if event is not None:
            await self._commit(event)

    # --- internals --------------------------------------------------------------------------------

    async def _commit(self, event: CallEvent) -> CallEvent:
        """Store *event*, then announce it and write what the alert's history needs."""
        async with self._lock:
            entries = [event.entry] if event.entry else []
            try:
                await asyncio.to_thread(self.store.save, [event.call], entries)
            except StaleWrite as exc:
                self.stale_writes += 1
                log.critical("call store: %s; another process leads now, so this one stops writing", exc)
                self.failed.set()
                raise
            self._bus.async_publish(event)
        try:
            await self._ids[1].top_up()
        except Exception as exc:  # stored all the same; the next change reserves on the spot
            log.warning("calls: reserving log numbers failed (%s)", exc)
        if event.entry is not None and event.call.alert_id is not None:
            await self._note_alert(event.call, event.entry)
        return event

    async def _note_alert(self, call: Call, entry: CallEntry) -> None:
        text = note(call, entry, self.villages, self.town.town.timezone)
        if text is None or self._alerts is None or call.alert_id is None:
            return
        try:
            await self._alerts.note(call.alert_id, entry.actor, text)
        except KeyError:
            log.info("call %d: alert %d is closed; not noted: %s", call.id, call.alert_id, text)

    async def _share_media(self, call_id: int, camera: str) -> None:
        device = self.town.device_map()[camera]
        await self.sfu.share(call_id, camera, device.name, self._camera_url(camera))

    def _end_presence(self, call_id: int, username: str, why: Ended) -> None:
        attendance = self._present.pop((call_id, username), None)
        if attendance is not None:
            attendance.end(why)

    def _member(self, principal: Principal) -> Member:
        village = principal.village
        return Member(principal.username, principal.name, Side.CENTRE if principal.is_staff else Side.VILLAGE,
                      village, self.villages.get(village or "", ""))

    def _check_villages(self, villages: tuple[str, ...]) -> None:
        unknown = [v for v in villages if v not in self.villages]
        if unknown:
            raise CallInvalid(f"no such village: {', '.join(unknown)}")

    def shareable_cameras(self) -> list[str]:
        """The cameras a call can show: real RTSP cameras, when sharing is on (the call page offers only these)."""
        return [d.id for d in self.town.devices if self._shareable(d.id)]

    def _shareable(self, device_id: str | None) -> bool:
        device = self.town.device_map().get(device_id or "")
        return self._share_cameras and device is not None and device.kind is DeviceKind.CAMERA \
            and device.adapter in SHAREABLE and bool(device.address)

    def _camera_near(self, device: str | None, grid: str | None, village: str | None, nearest: bool) -> str | None:
        """The alert's own camera if it can be shared, else (if *nearest*) the nearest that can in its grid or
        village: a river station's alert is seen through the camera on that bank."""
        if self._shareable(device):
            return device
        if not nearest:
            return None
        grids = {grid} if grid else set()
        grids |= {g.id for v in self.town.villages if v.id == village for g in v.grids}
        shareable = [d for d in self.town.devices if d.grid in grids and self._shareable(d.id)]
        here = self.town.device_map().get(device or "")
        place = here.location if here else None

        def away(d: Device) -> tuple[bool, float]:
            far = math.dist(place, d.location) if place and d.location else math.inf
            return d.grid != grid, far

        return min(shareable, key=away).id if shareable else None

    def _camera_url(self, camera: str) -> str:
        device = self.town.device_map().get(camera)
        if device is None or device.kind is not DeviceKind.CAMERA:
            raise CallInvalid(f"no such camera: {camera}")
        if not self._shareable(camera) or device.address is None:
            raise CallInvalid(f"{camera} cannot be shared: only real RTSP cameras (H.264) can")
        return device.address
