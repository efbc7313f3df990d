"""A Slack feed's progress is a value (`ThreadProgress`) saved as the JSON object older
versions saved, so a feed interrupted before an upgrade resumes after it."""

from __future__ import annotations

from mailer.notify.thread_progress import ThreadProgress


def test_progress_saved_by_older_versions_reads_back() -> None:
    assert ThreadProgress.from_json(None) == ThreadProgress()
    saved = {"sent": 2, "thread_ts": "1700000000.000100"}
    assert ThreadProgress.from_json(saved) == ThreadProgress(2, "1700000000.000100")
    in_flight = {**saved, "attempt": 2, "attempt_at": 1700000100.5}
    state = ThreadProgress.from_json(in_flight)
    assert (state.attempt, state.attempt_at) == (2, 1700000100.5)
    assert state.to_json() == in_flight
    assert ThreadProgress.from_json(state.to_json()) == state


def test_a_thread_starts_at_its_first_part_and_keeps_it() -> None:
    state = ThreadProgress().attempting(0, 10.0)
    assert state.to_json() == {"sent": 0, "thread_ts": None, "attempt": 0, "attempt_at": 10.0}
    first = state.posted(0, "111.1")
    assert first == ThreadProgress(sent=1, thread_ts="111.1")  # the attempt is done
    second = first.attempting(1, 11.0).posted(1, "222.2")
    assert second == ThreadProgress(sent=2, thread_ts="111.1")  # replies stay in the thread
