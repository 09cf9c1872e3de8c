"""Which action may move a case from which state to which, and which actions need a reason.

One table, so the rules read in one place and the API can list them; everything else asks `target`.
"""

from __future__ import annotations

from hub.cases.model import OPEN, Action, Case, CaseState

S = CaseState
_FINISHED = frozenset({S.CLOSED, S.RATED, S.REJECTED})
MOVES: dict[Action, tuple[frozenset[CaseState], CaseState | None]] = {
    Action.ACCEPT: (frozenset({S.RECEIVED}), S.ACCEPTED),
    Action.REJECT: (frozenset({S.RECEIVED, S.ACCEPTED}), S.REJECTED),
    Action.ROUTE: (frozenset({S.ACCEPTED}), S.ROUTED),
    Action.REASSIGN: (frozenset({S.ROUTED, S.HANDLING}), S.ROUTED),
    Action.SEND_BACK: (frozenset({S.ROUTED, S.HANDLING}), S.ACCEPTED),
    Action.START: (frozenset({S.ROUTED}), S.HANDLING),
    Action.HANDLE: (frozenset({S.HANDLING}), S.HANDLED),
    Action.VERIFY: (frozenset({S.HANDLED}), S.VERIFIED),
    Action.REDO: (frozenset({S.HANDLED, S.VERIFIED}), S.HANDLING),
    Action.CLOSE: (frozenset({S.VERIFIED}), S.CLOSED),
    Action.RATE: (frozenset({S.CLOSED}), S.RATED),
    Action.MERGE: (OPEN, S.MERGED),
    Action.ABSORB: (OPEN, None),  # None: the state does not change
    Action.SPLIT: (frozenset({S.MERGED}), None),  # back to the state it was merged from: see `split_state`
    Action.SPLIT_OFF: (frozenset(CaseState) - {S.MERGED}, None),  # the merge may be found wrong after closing
    Action.REOPEN: (_FINISHED, None),  # to routed when it had a lead unit, else accepted: see `reopened_state`
    Action.EXTEND_ASK: (frozenset({S.ROUTED, S.HANDLING}), None),
    Action.EXTEND_DECIDE: (frozenset({S.ROUTED, S.HANDLING}), None),
    Action.NOTE: (frozenset(CaseState), None),
    Action.MEDIATION: (frozenset(CaseState) - {S.MERGED}, None),
    Action.APPOINTMENT: (OPEN, None),
    Action.APPOINTMENT_CANCEL: (frozenset(CaseState), None),  # a booking made while open may be called off later
}
NEEDS_REASON = frozenset({Action.REJECT, Action.REASSIGN, Action.SEND_BACK, Action.REDO, Action.REOPEN,
                          Action.MERGE, Action.HANDLE, Action.EXTEND_ASK, Action.SPLIT, Action.SPLIT_OFF,
                          Action.APPOINTMENT_CANCEL})


class CaseError(Exception):
    """An action that does not apply to the case as it stands; the message says why."""


def target(case: Case, action: Action, note: str = "") -> CaseState:
    """The state *action* leaves *case* in; CaseError when it may not be taken now."""
    allowed, to = MOVES[action]
    if case.state not in allowed:
        states = "、".join(s.label for s in CaseState if s in allowed)
        raise CaseError(f"case {case.id} is {case.state.value} ({case.state.label}): "
                        f"{action.value} applies only to a case that is {states}")
    if action in NEEDS_REASON and not note.strip():
        raise CaseError(f"{action.value} needs a reason")
    if action is Action.REOPEN:
        return reopened_state(case)
    if action is Action.SPLIT:
        return split_state(case)
    return case.state if to is None else to


def reopened_state(case: Case) -> CaseState:
    """A reopened case goes back to its lead unit, or to the centre when it never had one."""
    return CaseState.ROUTED if case.lead is not None else CaseState.ACCEPTED


def split_state(case: Case) -> CaseState:
    """A merged case split off goes back to where it was; one merged before that was kept, by how far it got."""
    if case.state_before_merge is not None:
        return case.state_before_merge
    if case.lead is not None:
        return CaseState.ROUTED
    return CaseState.ACCEPTED if case.accepted_at is not None else CaseState.RECEIVED
