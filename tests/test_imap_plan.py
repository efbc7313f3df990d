"""The pure decisions of the IMAP source and watcher: search, selection, batches, backoff."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from mailer.config.settings import ImapSearch
from mailer.sources.imap_idle import backoff_delay
from mailer.sources.imap_plan import (
    Candidate,
    Skip,
    build_search_criteria,
    needs_utf8,
    parse_message_id,
    plan_downloads,
    select_new_uids,
)


def test_without_search_every_message_is_a_candidate() -> None:
    assert build_search_criteria(None, None) == ["ALL"]


def test_several_senders_are_alternatives_and_kinds_combine() -> None:
    search = ImapSearch.model_validate(
        {"from": ["a@x", "b@x", "c@x"], "subject": ["Daily Papers"], "since": "2025-01-01"}
    )
    assert build_search_criteria(search, None, min_uid=42) == [
        "UID",
        "42:*",
        "OR",
        "FROM",
        "a@x",
        ["OR", "FROM", "b@x", ["FROM", "c@x"]],
        "SUBJECT",
        "Daily Papers",
        "SINCE",
        date(2025, 1, 1),
    ]


def test_the_later_of_two_since_days_wins_and_gmail_raw_is_passed_on() -> None:
    search = ImapSearch.model_validate({"since": "2025-03-01"})
    criteria = build_search_criteria(search, "from:hf label:papers", since=date(2025, 1, 1))
    assert criteria == ["SINCE", date(2025, 3, 1), "X-GM-RAW", "from:hf label:papers"]
    assert build_search_criteria(None, None, since=date(2025, 5, 2)) == ["SINCE", date(2025, 5, 2)]


def test_uid_star_answers_are_filtered_in_code() -> None:
    # `UID 8:*` returns the highest UID (7) even when nothing is newer
    assert select_new_uids([7], 7) == []
    assert select_new_uids([9, 3, 8, 8], 7) == [8, 9]
    assert select_new_uids([2, 1], None) == [1, 2]


def test_message_id_is_read_from_a_header_fields_answer() -> None:
    assert parse_message_id(b"Message-ID: <a@b>\r\n\r\n") == "<a@b>"
    assert parse_message_id(b"message-id:\r\n <folded@b>\r\n\r\n") == "<folded@b>"
    assert parse_message_id(b"\r\n") is None
    assert parse_message_id(None) is None


def test_oversized_and_known_messages_are_skipped_in_uid_order() -> None:
    plan = plan_downloads(
        [Candidate(3, 10), Candidate(1, 10), Candidate(2, 999, "<big@x>"), Candidate(4, 10, "<k>")],
        max_message_bytes=100,
        batch_size=10,
        already_processed={4: True},
    )
    first, skip, second, known = plan.steps
    assert first == (Candidate(1, 10),)
    assert isinstance(skip, Skip)
    assert skip.uid == 2
    assert "over max_message_bytes" in skip.reason
    assert second == (Candidate(3, 10),)
    assert isinstance(known, Skip)
    assert "already processed" in known.reason
    assert plan.total == 4


@given(
    sizes=st.lists(st.integers(min_value=1, max_value=300), max_size=60),
    batch_size=st.integers(min_value=1, max_value=10),
)
def test_batches_keep_every_message_once_in_order_within_bounds(
    sizes: list[int], batch_size: int
) -> None:
    candidates = [Candidate(uid, size) for uid, size in enumerate(sizes, start=1)]
    plan = plan_downloads(candidates, max_message_bytes=200, batch_size=batch_size, batch_bytes=500)
    order: list[int] = []
    for step in plan.steps:
        if isinstance(step, Skip):
            order.append(step.uid)
            continue
        assert 1 <= len(step) <= batch_size
        assert len(step) == 1 or sum(c.size for c in step) <= 500
        order += [c.uid for c in step]
    assert order == list(range(1, len(sizes) + 1))
    assert plan.total == len(sizes)


def test_backoff_grows_exponentially_with_jitter_up_to_the_cap() -> None:
    assert backoff_delay(0, rand=0.0) == 0.5
    assert backoff_delay(0, rand=1.0) == 1.0
    assert backoff_delay(3, rand=0.0) == 4.0
    assert backoff_delay(3, rand=1.0) == 8.0
    assert backoff_delay(50, cap=60, rand=1.0) == 60.0
    assert 30.0 <= backoff_delay(50, cap=60) <= 60.0


def test_non_ascii_search_terms_ask_for_utf8() -> None:
    assert not needs_utf8(["FROM", "a@x", ["SUBJECT", "Daily"]])
    assert needs_utf8(["OR", "FROM", "a@x", ["SUBJECT", "Papiers du jour ✨"]])


def _source_with_fetches(outcomes: list[object]) -> tuple[object, list[str]]:
    """An ImapSource whose session-level fetch (the narrow seam) follows a script."""
    from imapclient.exceptions import IMAPClientError

    from mailer.config.settings import ImapSource as ImapConfig
    from mailer.config.settings import Settings
    from mailer.sources import IncomingMessage
    from mailer.sources.imap import ImapSource

    config = ImapConfig(kind="imap", name="mail", host="127.0.0.1", username="a", security="none")
    source = ImapSource(config, Settings())
    calls: list[str] = []

    def scripted_fetch(state: object, since: object):  # type: ignore[no-untyped-def]
        outcome = outcomes.pop(0)
        calls.append(str(outcome))
        if outcome == "error":
            raise IMAPClientError("FETCH failed: Internal error occurred.")
        if outcome == "one-then-error":
            yield IncomingMessage("mail", "INBOX", 1, "1", b"x")
            raise IMAPClientError("FETCH failed: Internal error occurred.")
        yield IncomingMessage("mail", "INBOX", 1, "2", b"y")

    source._fetch = scripted_fetch  # type: ignore[method-assign]
    return source, calls


def test_a_server_error_before_any_message_is_retried_once_on_a_new_connection() -> None:
    source, calls = _source_with_fetches(["error", "ok"])
    assert [m.uid for m in source.fetch(None)] == ["2"]  # type: ignore[attr-defined]
    assert calls == ["error", "ok"]


def test_a_server_error_after_a_message_is_retried_once_and_the_fetch_goes_on() -> None:
    source, calls = _source_with_fetches(["one-then-error", "ok"])
    assert [m.uid for m in source.fetch(None)] == ["1", "2"]  # type: ignore[attr-defined]
    assert calls == ["one-then-error", "ok"]


def test_a_server_error_that_comes_back_on_the_new_connection_fails_the_fetch() -> None:
    import pytest

    from mailer.sources import SourceError

    source, calls = _source_with_fetches(["one-then-error", "error", "ok"])
    seen: list[str] = []
    fetched = source.fetch(None)  # type: ignore[attr-defined]
    with pytest.raises(SourceError):
        seen.extend(message.uid for message in fetched)
    assert seen == ["1"]
    assert calls == ["one-then-error", "error"]
