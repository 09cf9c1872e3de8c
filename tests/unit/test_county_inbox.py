"""The county's rule for a batch: new past the last sequence held, per stream; repeats acknowledged, not stored."""

from __future__ import annotations

from hub.county.config import Stream
from hub.county.inbox import sort_batch
from hub.county.messages import LinkMessage, SummaryUp

A, S = Stream.ALERTS, Stream.SUMMARY


def msg(stream: Stream, seq: int) -> LinkMessage:
    return LinkMessage(stream=stream, seq=seq, body=SummaryUp(at=float(seq), alerts_open={}, cases_open=0,
                                                              cases_overdue=0, devices={}))


def test_a_first_batch_is_stored_whole_in_its_order() -> None:
    split = sort_batch({}, [msg(A, 1), msg(S, 1), msg(A, 2)])
    assert [(m.stream, m.seq) for m in split.fresh] == [(A, 1), (S, 1), (A, 2)]
    assert split.last == {A: 2, S: 1}
    assert (split.repeats, split.gaps) == (0, 0)


def test_a_batch_sent_again_after_a_lost_answer_is_acknowledged_not_stored() -> None:
    split = sort_batch({A: 2, S: 1}, [msg(A, 1), msg(S, 1), msg(A, 2)])
    assert split.fresh == []
    assert split.repeats == 3
    assert split.last == {A: 2, S: 1}


def test_a_batch_that_overlaps_what_is_held_stores_only_its_new_tail() -> None:
    split = sort_batch({A: 2}, [msg(A, 1), msg(A, 2), msg(A, 3), msg(A, 4)])
    assert [m.seq for m in split.fresh] == [3, 4]
    assert split.repeats == 2
    assert split.last[A] == 4


def test_streams_are_numbered_apart() -> None:
    split = sort_batch({A: 5}, [msg(S, 1), msg(A, 6)])
    assert [(m.stream, m.seq) for m in split.fresh] == [(S, 1), (A, 6)]


def test_a_skipped_sequence_is_counted_and_the_message_kept() -> None:
    split = sort_batch({A: 2}, [msg(A, 5)])
    assert [m.seq for m in split.fresh] == [5]
    assert split.gaps == 1
    assert split.last[A] == 5


def test_a_message_out_of_order_within_a_batch_is_a_repeat() -> None:
    split = sort_batch({}, [msg(A, 1), msg(A, 2), msg(A, 2)])
    assert [m.seq for m in split.fresh] == [1, 2]
    assert split.repeats == 1
