"""The call book: open calls and who is in them. Pure state on the event loop.

Every change returns a CallEvent (the call after it and, for audit entries, the
log entry); the service stores it before anyone is told. Times come from the
injected clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from hub.alerts.ids import Ids
from hub.calls.model import Call, CallAction, CallEntry, CallEvent, CallState, Participant, Presence, Side
from hub.users.model import Principal, Role


class CallError(Exception):
    """An action that does not apply to the call as it is (ending an ended call, removing someone absent)."""


class CallInvalid(CallError):
    """An action that names what the town lacks (a village, a camera that cannot be shared)."""


class CallRefused(Exception):
    """Someone who may not join this call (a cadre of a village not invited, or removed from it)."""


class CallBook:
    """Every open call."""

    def __init__(self, clock: Callable[[], float], calls: Iterable[Call] = (), last_id: int = 0,
                 last_seq: int = 0, ids: Ids | None = None, seqs: Ids | None = None) -> None:
        self._clock = clock
        # From the database in a running hub (hub/alerts/ids.py); counted in memory without one.
        self._ids = ids or Ids.counting(last_id)
        self._seqs = seqs or Ids.counting(last_seq)
        self.calls: dict[int, Call] = {c.id: c for c in calls if c.state is CallState.OPEN}

    def get(self, call_id: int) -> Call:
        call = self.calls.get(call_id)
        if call is None:
            raise KeyError(call_id)
        return call

    # --- the centre's actions -----------------------------------------------------------------

    def open(self, title: str, villages: tuple[str, ...], actor: str, alert_id: int | None = None,
             camera: str | None = None) -> CallEvent:
        call = Call(self._ids.take(), title, CallState.OPEN, actor, self._clock(), villages, alert_id, camera)
        self.calls[call.id] = call
        return self._log(call, CallAction.OPEN, actor, note="、".join(villages))

    def invite(self, call_id: int, villages: tuple[str, ...], actor: str) -> CallEvent:
        call = self.get(call_id)
        added = tuple(v for v in villages if v not in call.villages)
        if not added:
            raise CallError("every one of these villages is invited already")
        invited = call.evolve(villages=(*call.villages, *added))
        return self._log(invited, CallAction.INVITE, actor, note="、".join(added))

    def share(self, call_id: int, camera: str | None, actor: str) -> CallEvent:
        call = self.get(call_id)
        if camera == call.camera:
            raise CallError("that camera is shared already" if camera else "no camera is shared")
        action = CallAction.SHARE if camera else CallAction.UNSHARE
        return self._log(call.evolve(camera=camera), action, actor, note=camera or call.camera or "")

    def remove(self, call_id: int, username: str, actor: str) -> CallEvent:
        call = self.get(call_id)
        who = call.participant(username)
        if who is None or who.presence is Presence.REMOVED:
            raise CallError(f"{username} is not in this call")
        return self._log(call.with_participant(self._out(who, Presence.REMOVED)), CallAction.REMOVE, actor, username)

    def end(self, call_id: int, actor: str) -> CallEvent:
        call = self.get(call_id)
        now = self._clock()
        participants = tuple(self._out(p, Presence.LEFT) if p.presence is Presence.IN else p
                             for p in call.participants)
        del self.calls[call_id]
        return self._log(call.evolve(state=CallState.ENDED, ended_at=now, ended_by=actor, participants=participants),
                         CallAction.END, actor)

    # --- the participants' own --------------------------------------------------------------------

    def check(self, call_id: int, principal: Principal) -> Call:
        """The call, if *principal* may join it; KeyError if no such call is open, else CallRefused."""
        call = self.get(call_id)
        if principal.role is Role.cadre and principal.village not in call.villages:
            raise CallRefused("your village is not invited to this call")
        if not principal.is_staff and principal.role is not Role.cadre:
            raise CallRefused(f"not for a {principal.role.value}")
        who = call.participant(principal.username)
        if who is not None and who.presence is Presence.REMOVED:
            raise CallRefused("the centre removed you from this call")
        return call

    def join(self, call_id: int, principal: Principal) -> CallEvent:
        call = self.check(call_id, principal)
        now = self._clock()
        before = call.participant(principal.username)
        if before is None:
            side = Side.CENTRE if principal.is_staff else Side.VILLAGE
            who = Participant(principal.username, principal.name, side, principal.village, Presence.IN, now, now)
            return self._log(call.with_participant(who), CallAction.JOIN, principal.actor, principal.username)
        if before.presence is Presence.IN:  # a second tab, or back before the old socket was noticed dead
            return CallEvent(call)
        again = before.evolve(presence=Presence.IN, joined_at=now, left_at=None, joins=before.joins + 1)
        return self._log(call.with_participant(again), CallAction.REJOIN, principal.actor, principal.username)

    def leave(self, call_id: int, principal: Principal, dropped: bool) -> CallEvent | None:
        """*principal* left (or their connection did); None if the call or their part in it is over already."""
        call = self.calls.get(call_id)
        who = call.participant(principal.username) if call else None
        if call is None or who is None or who.presence is not Presence.IN:
            return None
        presence, action = (Presence.DROPPED, CallAction.DROP) if dropped else (Presence.LEFT, CallAction.LEAVE)
        return self._log(call.with_participant(self._out(who, presence)), action, principal.actor, principal.username)

    def mute(self, call_id: int, username: str, audio: bool, video: bool) -> CallEvent | None:
        """Shown to the others; not an audit entry."""
        call = self.calls.get(call_id)
        who = call.participant(username) if call else None
        if call is None or who is None or (who.audio_muted, who.video_muted) == (audio, video):
            return None
        call = call.with_participant(who.evolve(audio_muted=audio, video_muted=video))
        self.calls[call.id] = call
        return CallEvent(call)

    def after_restart(self) -> list[CallEvent]:
        """Everyone the store still has in a call lost their connection when the hub stopped."""
        events = []
        for call_id, call in list(self.calls.items()):
            for who in call.present():
                dropped = self.get(call_id).with_participant(self._out(who, Presence.DROPPED))
                events.append(self._log(dropped, CallAction.DROP, "system", who.username, "中心重启"))
        return events

    # --- internals --------------------------------------------------------------------------------

    def _out(self, who: Participant, presence: Presence) -> Participant:
        now = self._clock()
        return who.evolve(presence=presence, left_at=now, seconds_before=who.seconds_in(now))

    def _log(self, call: Call, action: CallAction, actor: str, username: str | None = None,
             note: str = "") -> CallEvent:
        if call.state is CallState.OPEN:
            self.calls[call.id] = call
        return CallEvent(call, CallEntry(self._seqs.take(), call.id, action, actor, self._clock(), username, note))
