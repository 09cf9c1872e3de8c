"""A console process's ring of relayed alert transitions: what it can resume from, and where it must not."""

from __future__ import annotations

from console.cluster.feeds import AlertRing
from console.cluster.wire import ALERT_ENTRIES, AlertEntries
from hub.alerts.model import Action, Alert, AlertState, Severity, Transition
from hub.alerts.store import FeedEntry

ALERT = Alert(id=1, rule="river-level", source="RS01", title="RS01 水位", severity=Severity.ORANGE,
              state=AlertState.RAISED, message="", value=58.1, count=1, raised_at=0.0, updated_at=0.0,
              last_seen_at=0.0, active=True, device="RS01", grid="G19", village="shimen")


def entries(*seqs: int) -> list[FeedEntry]:
    return [FeedEntry(Transition(seq, 1, Action.RAISE, "system", float(seq), "", AlertState.RAISED, Severity.ORANGE),
                      ALERT) for seq in seqs]


def seqs(found: list[FeedEntry] | None) -> list[int] | None:
    return None if found is None else [e.transition.seq for e in found]


def test_a_ring_resumes_from_where_its_first_batch_followed_and_not_before() -> None:
    ring = AlertRing(limit=10)
    assert ring.after(0) is None  # nothing relayed yet: the page resumes from the store
    ring.add(AlertEntries(4, entries(5, 6)))
    ring.add(AlertEntries(6, entries(8)))  # 7 was never stored (a seq reserved and not used)
    assert seqs(ring.after(4)) == [5, 6, 8]
    assert seqs(ring.after(6)) == [8]
    assert seqs(ring.after(9)) == []  # the page is ahead (it was served by a quicker console): nothing to replay
    assert ring.after(3) is None


def test_a_batch_seen_before_is_kept_once_and_one_that_skips_starts_the_ring_again() -> None:
    ring = AlertRing(limit=10)
    ring.add(AlertEntries(0, entries(1, 2)))
    assert [e.transition.seq for e in ring.add(AlertEntries(1, entries(2, 3)))] == [3]
    ring.add(AlertEntries(7, entries(8)))  # 4–7 were relayed while this console was away
    assert ring.after(3) is None
    assert seqs(ring.after(7)) == [8]


def test_a_full_ring_forgets_its_oldest_and_says_so() -> None:
    ring = AlertRing(limit=3)
    ring.add(AlertEntries(0, entries(1, 2, 3, 4, 5)))
    assert ring.after(1) is None
    assert seqs(ring.after(2)) == [3, 4, 5]


def test_relayed_transitions_cross_processes_unchanged() -> None:
    batch = AlertEntries(4, entries(5))
    assert ALERT_ENTRIES.validate_json(ALERT_ENTRIES.dump_json(batch)) == batch
