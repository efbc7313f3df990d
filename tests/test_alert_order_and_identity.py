"""Alerts follow the digest's order, and a paper is one paper across newsletters even
without an arXiv id (issue 12 parts 5 and 6)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, select, text
from store_backends import postgres_schema_url, state_url  # noqa: F401  (fixtures)

from mailer.core.batching import digest_positions, plan_alerts
from mailer.core.keys import BatchKey, Claim, DestinationRef
from mailer.core.models import (
    AlertItem,
    Match,
    MessageStatus,
    NotifyTarget,
    Paper,
    canonical_paper_id,
)
from mailer.notify.view import paper_view
from mailer.store import MessageRecord, NewAlert, Store
from mailer.store.paper_keys import keys_of, paper_keys

T0 = datetime(2025, 10, 14, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=10)


def worker(name: str) -> Claim:
    """A claim of the outbox worker `name` (a host name here)."""
    return Claim(name, 1, "t")


def arxiv(n: int, announce: str) -> Paper:
    return Paper(
        id=f"arxiv:2510.{n:05d}",
        title=f"P{n}",
        format="arxiv-listing",
        announce=announce,  # type: ignore[arg-type]
    )


def hf(n: int, upvotes: int | None) -> Paper:
    return Paper(id=f"arxiv:2511.{n:05d}", title=f"H{n}", format="hf-daily", upvotes=upvotes)


def titled(title: str, **fields: Any) -> Paper:
    return Paper(id=canonical_paper_id(None, title), title=title, format="scholar-alert", **fields)


def message(uid: str) -> MessageRecord:
    return MessageRecord(
        "inbox", "INBOX", 7, uid, MessageStatus.PARSED, T0, message_id=f"<{uid}@x>"
    )


@pytest.fixture
def store(state_url: str) -> Any:  # noqa: F811
    opened = Store.open(state_url)
    yield opened
    opened.close()


def test_arxiv_new_submissions_come_before_cross_lists_before_replacements() -> None:
    papers = [arxiv(1, "replaced"), arxiv(2, "new"), arxiv(3, "cross"), arxiv(4, "new")]
    order = digest_positions(papers)
    assert sorted(order, key=order.__getitem__) == [
        "arxiv:2510.00002",
        "arxiv:2510.00004",
        "arxiv:2510.00003",
        "arxiv:2510.00001",
    ]


def test_hugging_face_papers_come_by_upvotes_ties_in_digest_order() -> None:
    papers = [hf(1, 5), hf(2, 40), hf(3, None), hf(4, 40)]
    order = digest_positions(papers)
    assert sorted(order, key=order.__getitem__) == [
        "arxiv:2511.00002",
        "arxiv:2511.00004",
        "arxiv:2511.00001",
        "arxiv:2511.00003",
    ]


def test_planned_alerts_follow_the_digest_order_not_the_id_order() -> None:
    papers = [arxiv(1, "replaced"), arxiv(2, "new")]
    matches = [Match("r", p.id, ()) for p in papers]
    targets = {"r": (NotifyTarget(to=DestinationRef.named("team")),)}
    alerts = plan_alerts(matches, targets, {}, "k", T0, T0.time(), digest_positions(papers))
    assert [(a.paper_id, a.position) for a in alerts] == [
        ("arxiv:2510.00002", 0),
        ("arxiv:2510.00001", 1),
    ]


def test_a_claimed_batch_comes_in_digest_order(store: Store) -> None:
    papers = [arxiv(1, "replaced"), arxiv(2, "cross"), arxiv(3, "new")]
    positions = digest_positions(papers)
    alerts = [
        NewAlert("r", p.id, "team", BatchKey.parse("msg:1"), due_at=T0, position=positions[p.id])
        for p in papers
    ]
    store.record_message(message("1"), papers, alerts)
    claimed = store.claim_next_batch(T0, worker("w"), LEASE)
    assert [c.paper.id for c in claimed] == [
        "arxiv:2510.00003",
        "arxiv:2510.00002",
        "arxiv:2510.00001",
    ]


def test_replacements_and_cross_lists_are_marked_in_the_alert() -> None:
    def facts(paper: Paper) -> list[str]:
        return paper_view(AlertItem(paper, Match("r", paper.id, ())), summary_chars=100).facts

    assert facts(arxiv(1, "replaced"))[-1] == "replacement"
    assert facts(arxiv(2, "cross"))[-1] == "cross-list"
    assert "replacement" not in facts(arxiv(3, "new"))
    assert facts(hf(1, 3))[-1] != "cross-list"


def test_a_title_only_paper_seen_again_is_the_stored_paper(store: Store) -> None:
    first = replace(arxiv(1, "new"), title="Scaling Small Models: A Study")
    store.record_message(
        message("1"), [first], [NewAlert("r", first.id, "team", BatchKey.parse("msg:1"), T0)]
    )
    again = titled("Scaling small models — a study.")  # Scholar, no arXiv id
    (known,) = store.with_known_ids([again])
    assert known.id == first.id
    store.record_message(
        message("2"), [known], [NewAlert("r", known.id, "team", BatchKey.parse("msg:2"), T0)]
    )
    assert len(store.claim_next_batch(T0, worker("w"), LEASE)) == 1  # one alert, not two


def test_openreview_and_doi_links_identify_a_paper(store: Store) -> None:
    a = titled("Paper A", url="https://openreview.net/forum?id=AbC123")
    b = titled("Paper B", url="https://doi.org/10.1145/3580305.3599000")
    store.record_message(message("1"), [a, b])
    renamed_a = titled("Paper A (extended)", pdf_url="https://openreview.net/pdf?id=AbC123")
    renamed_b = titled("B, journal version", url="https://doi.org/10.1145/3580305.3599000")
    assert [p.id for p in store.with_known_ids([renamed_a, renamed_b])] == [a.id, b.id]
    assert keys_of(renamed_b)[1:] == ["doi:10.1145/3580305.3599000"]


def test_two_arxiv_ids_with_one_title_stay_two_papers(store: Store) -> None:
    first = replace(arxiv(1, "new"), title="Attention")
    store.record_message(message("1"), [first])
    other = replace(arxiv(2, "new"), title="Attention")
    assert store.with_known_ids([other])[0].id == other.id


def test_migration_step_5_adds_keys_for_stored_papers_and_alert_positions(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path}/old.db")
    paper = titled("An old paper")
    store.record_message(message("1"), [paper])
    with store.engine.begin() as conn:  # make it look like a version-3 database
        conn.execute(text("DROP TABLE paper_keys"))
        conn.execute(text("ALTER TABLE outbox DROP COLUMN position"))
        conn.execute(text("DELETE FROM schema_version WHERE version >= 5"))
    assert store.upgrade() >= 1
    assert "position" in {c["name"] for c in inspect(store.engine).get_columns("outbox")}
    with store.engine.connect() as conn:
        rows = conn.execute(select(paper_keys.c.key, paper_keys.c.paper_id)).all()
    assert [tuple(r) for r in rows] == [(paper.id, paper.id)]
    store.close()
