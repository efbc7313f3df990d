"""Full-text search over stored papers (FTS5 on SQLite, tsvector on PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, text
from store_backends import postgres_schema_url, state_url  # noqa: F401  (fixtures)

from mailer.core.keys import BatchKey
from mailer.core.models import MatchReason, MessageStatus, Paper
from mailer.store import MessageRecord, NewAlert, Store
from mailer.store.schema import papers, schema_version
from mailer.store.search import add_paper_search, query_words

T0 = datetime(2025, 10, 14, 9, 0, tzinfo=UTC)
WHY = (MatchReason("term", "*LoRA* in title", field="title", term="LoRA"),)


def paper(n: int, title: str, abstract: str | None = None, **fields: object) -> Paper:
    return Paper(
        id=f"arxiv:2510.{n:05d}",
        title=title,
        format="hf-daily",
        abstract=abstract,
        **fields,  # type: ignore[arg-type]
    )


def record(store: Store, uid: str, found: list[Paper], at: datetime = T0, **kw: object) -> None:
    message = MessageRecord(
        "inbox",
        "INBOX",
        7,
        uid,
        MessageStatus.PARSED,
        at,
        message_id=f"<{uid}@x>",
        subject=f"Digest {uid}",
    )
    store.record_message(message, found, [])


@pytest.fixture
def store(state_url: str) -> Iterator[Store]:  # noqa: F811
    opened = Store.open(state_url)
    yield opened
    opened.close()


def test_search_finds_words_in_title_and_abstract_whatever_the_case(store: Store) -> None:
    record(store, "1", [paper(1, "QLoRA: efficient finetuning"), paper(2, "Mixtral of experts")])
    record(store, "2", [paper(3, "Tiny models", "We adapt with LoRA adapters.")])
    assert {s.paper.id for s in store.search_papers("lora")} == {"arxiv:2510.00003"}
    assert [s.paper.id for s in store.search_papers("QLoRA")] == ["arxiv:2510.00001"]
    assert [s.paper.id for s in store.search_papers("experts mixtral")] == ["arxiv:2510.00002"]
    assert len(store.search_papers("")) == 3


def test_search_syntax_typed_by_a_user_is_taken_as_words(store: Store) -> None:
    record(store, "1", [paper(1, 'Say "hello" AND NOT (goodbye*)')])
    assert query_words('"hello" AND: (goodbye*') == ["hello", "AND", "goodbye"]
    assert [s.paper.title for s in store.search_papers('hello" (goodbye*')] == [
        'Say "hello" AND NOT (goodbye*)'
    ]
    assert store.search_papers("NEAR(") == []


def test_search_follows_updates_and_deletes_of_papers(store: Store) -> None:
    record(store, "1", [paper(1, "First title")])
    record(store, "2", [paper(1, "First title", "now with an abstract about distillation")])
    assert [s.paper.id for s in store.search_papers("distillation")] == ["arxiv:2510.00001"]
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM paper_sources"))
        conn.execute(text("DELETE FROM paper_keys"))  # they point at the papers
        conn.execute(delete(papers))
    assert store.search_papers("first") == []


def test_search_narrows_by_date_and_newsletter(store: Store) -> None:
    record(store, "1", [paper(1, "Old LoRA", source="HF daily")], at=T0 - timedelta(days=30))
    record(store, "2", [paper(2, "New LoRA", source="arXiv cs")], at=T0)
    since = T0 - timedelta(days=7)
    assert [s.paper.id for s in store.search_papers("lora", since=since)] == ["arxiv:2510.00002"]
    assert [s.paper.id for s in store.search_papers("lora", newsletter="HF daily")] == [
        "arxiv:2510.00001"
    ]
    assert store.newsletters() == ["HF daily", "arXiv cs"]
    assert [s.paper.id for s in store.papers_seen_since(since)] == ["arxiv:2510.00002"]


def test_listings_and_alerts_of_a_paper(store: Store) -> None:
    p = paper(1, "LoRA", source="HF daily")
    message = MessageRecord("inbox", "INBOX", 7, "1", MessageStatus.PARSED, T0, subject="HF digest")
    store.record_message(
        message, [p], [NewAlert("lora", p.id, "team", BatchKey.parse("msg:1"), T0, WHY)]
    )
    listed = store.listings([p.id])[p.id]
    assert [(x.digest, x.subject) for x in listed] == [("HF daily", "HF digest")]
    alerts = store.alerts_for(paper_ids=[p.id])
    assert [(a.rule, a.destination, a.state) for a in alerts] == [("lora", "team", "pending")]


def test_migration_indexes_papers_stored_before_it(store: Store) -> None:
    record(store, "1", [paper(1, "Distillation before the index")])
    with store.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TABLE papers_fts")
            conn.exec_driver_sql("DROP TRIGGER papers_fts_insert")
        else:
            conn.exec_driver_sql("ALTER TABLE papers DROP COLUMN search")
        conn.execute(delete(schema_version).where(schema_version.c.version == 7))
    assert store.upgrade() == 1
    assert [s.paper.id for s in store.search_papers("distillation")] == ["arxiv:2510.00001"]
    with store.engine.begin() as conn:
        add_paper_search(conn)  # running it twice is harmless
