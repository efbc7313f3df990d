"""The parser's child process: its time and memory budget really stop it, and the
next message gets a fresh child."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile_mail import big_attachment, many_paragraphs

from mailer.runtime.parse_worker import (
    OverBudget,
    ParseBudget,
    ParserStopped,
    ParseWorker,
    peek_headers,
)

DIGEST = (
    Path(__file__).parent.parent / "examples" / "inbox" / "01-hf-daily-papers-2024-11-07.eml"
).read_bytes()


@pytest.fixture
def worker() -> Iterator[ParseWorker]:
    worker = ParseWorker(ParseBudget(seconds=20, memory_mb=64))
    yield worker
    worker.close()


def test_a_message_parses_in_the_child_like_in_process(worker: ParseWorker) -> None:
    digest = worker.parse("email", "1", DIGEST)
    assert [p.id for p in digest.papers][:1] == ["arxiv:2305.14314"]
    assert worker.parse("email", "2", DIGEST).papers == digest.papers  # the same child again


def test_over_the_time_budget_the_child_is_killed_and_the_next_one_starts(
    worker: ParseWorker,
) -> None:
    first = worker.pid if worker.parse("email", "warm", DIGEST) else None
    started = time.monotonic()
    with pytest.raises(OverBudget) as over:
        worker.parse("email", "slow", many_paragraphs(5), ParseBudget(seconds=0.01, memory_mb=64))
    assert over.value.kind == "time"
    assert "longer than the budget of 0.01 s" in over.value.reason
    assert time.monotonic() - started < 5
    assert worker.restarts == 1
    assert worker.parse("email", "next", DIGEST).papers
    assert worker.pid != first


def test_over_the_memory_budget_is_reported_as_such(worker: ParseWorker) -> None:
    with pytest.raises(OverBudget) as over:
        worker.parse("email", "big", big_attachment(24), ParseBudget(seconds=20, memory_mb=16))
    assert over.value.kind == "memory"
    assert "memory budget of 16 MB" in over.value.reason
    assert worker.parse("email", "next", DIGEST).papers


def test_a_closed_worker_refuses_rather_than_judging_the_message(worker: ParseWorker) -> None:
    worker.close()
    with pytest.raises(ParserStopped):
        worker.parse("email", "late", DIGEST)


def test_headers_of_a_quarantined_message_are_read_without_its_body() -> None:
    digest = peek_headers(big_attachment(1))
    assert digest.message_id == "<big-attachment@example.com>"
    assert digest.subject == "slides"
    assert digest.sender == "notifications@huggingface.co"
    assert digest.date is not None
