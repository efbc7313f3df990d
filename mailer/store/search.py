"""Full-text search over stored papers (migration 7) and the reads the web pages make.

SQLite: an FTS5 table `papers_fts` (title, body = abstract, authors, arXiv id) kept in
step with `papers` by triggers, joined on rowid. PostgreSQL: a generated `search`
tsvector column on `papers` (English stemming) with a GIN index. A new database gets
them right after `papers` is created (an `after_create` hook, as `create_all` does not
know virtual tables); an existing one by `add_paper_search` (migration step 7), which
also indexes the papers already stored.

A user's query is a list of words, all required: `LoRA 7B` finds papers with both,
whatever punctuation the user typed (it is never passed to the search syntax as is).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Table,
    bindparam,
    column,
    event,
    func,
    literal_column,
    select,
    table,
    text,
)

from mailer.core.models import OutboxState, Paper
from mailer.store import codec
from mailer.store.schema import messages, outbox, paper_sources, papers

_SQLITE_BODY = """coalesce(json_extract({row}.data, '$.abstract'), '') || ' ' ||
    coalesce((SELECT group_concat(value, ' ') FROM json_each({row}.data, '$.authors')), '') || ' ' ||
    coalesce(json_extract({row}.data, '$.arxiv_id'), '')"""

_SQLITE_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS papers_fts USING fts5(title, body, tokenize='unicode61')",
    f"""CREATE TRIGGER IF NOT EXISTS papers_fts_insert AFTER INSERT ON papers BEGIN
        INSERT INTO papers_fts(rowid, title, body)
        VALUES (new.rowid, new.title, {_SQLITE_BODY.format(row="new")});
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS papers_fts_update AFTER UPDATE ON papers BEGIN
        DELETE FROM papers_fts WHERE rowid = old.rowid;
        INSERT INTO papers_fts(rowid, title, body)
        VALUES (new.rowid, new.title, {_SQLITE_BODY.format(row="new")});
    END""",
    """CREATE TRIGGER IF NOT EXISTS papers_fts_delete AFTER DELETE ON papers BEGIN
        DELETE FROM papers_fts WHERE rowid = old.rowid;
    END""",
)
_SQLITE_BACKFILL = (
    "DELETE FROM papers_fts",
    f"INSERT INTO papers_fts(rowid, title, body) "
    f"SELECT rowid, title, {_SQLITE_BODY.format(row='papers')} FROM papers",
)

# The searchable text of a paper's JSON; the raw JSON instead should it not cast (JSON
# text may hold \u0000, which PostgreSQL's json type refuses to turn into text), so an
# odd paper is still stored and searchable by its words.
_POSTGRES_DDL = (
    r"""CREATE OR REPLACE FUNCTION mailer_paper_text(data text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE AS $$
    DECLARE doc json;
    BEGIN
        doc := data::json;
        RETURN coalesce(doc->>'abstract', '') || ' ' || coalesce(doc->>'arxiv_id', '') || ' ' ||
            coalesce((SELECT string_agg(a, ' ') FROM json_array_elements_text(
                CASE WHEN json_typeof(doc->'authors') = 'array' THEN doc->'authors' END) a), '');
    EXCEPTION WHEN others THEN
        RETURN data;
    END $$""",
    """ALTER TABLE papers ADD COLUMN IF NOT EXISTS search tsvector GENERATED ALWAYS AS (
        to_tsvector('english', title || ' ' || mailer_paper_text(data))
    ) STORED""",
    "CREATE INDEX IF NOT EXISTS ix_papers_search ON papers USING gin (search)",
)

_FTS = table("papers_fts", column("rowid"), column("rank"))

MAX_QUERY_WORDS = 20
_WORD = re.compile(r"\w+", re.UNICODE)


def add_paper_search(conn: Connection) -> None:
    """Migration step 7: the search index, filled with the papers already stored."""
    if conn.dialect.name == "sqlite":
        for statement in (*_SQLITE_DDL, *_SQLITE_BACKFILL):
            conn.exec_driver_sql(statement)
    elif conn.dialect.name == "postgresql":
        for statement in _POSTGRES_DDL:  # a generated column fills itself
            conn.exec_driver_sql(statement)


@event.listens_for(papers, "after_create")
def _index_new_papers_table(_target: Table, conn: Connection, **_: Any) -> None:
    add_paper_search(conn)


def query_words(query: str) -> list[str]:
    """The words of a search box's text (punctuation and search syntax dropped)."""
    return _WORD.findall(query)[:MAX_QUERY_WORDS]


@dataclass(frozen=True, slots=True)
class StoredPaper:
    paper: Paper
    first_seen: datetime
    last_seen: datetime


@dataclass(frozen=True, slots=True)
class Listing:
    """A newsletter that listed a paper."""

    source: str
    digest: str | None
    subject: str | None
    sender: str | None
    sent_date: datetime | None
    format: str | None


@dataclass(frozen=True, slots=True)
class AlertRecord:
    id: int
    rule: str
    destination: str
    paper_id: str
    title: str
    state: OutboxState
    created_at: datetime
    sent_at: datetime | None


def _stored(row: Any) -> StoredPaper:
    return StoredPaper(
        codec.paper_from_json(row.data),
        codec.from_db_time(row.first_seen) or row.first_seen,
        codec.from_db_time(row.last_seen) or row.last_seen,
    )


class SearchQueries:
    """Mixed into `Store` (needs `self.engine`)."""

    engine: Any

    def papers_seen_since(self, since: datetime) -> list[StoredPaper]:
        """Every paper seen (listed by a newsletter) at or after `since`, newest first."""
        query = (
            select(papers.c.data, papers.c.first_seen, papers.c.last_seen)
            .where(papers.c.last_seen >= codec.to_db_time(since))
            .order_by(papers.c.last_seen.desc(), papers.c.id)
        )
        with self.engine.connect() as conn:
            return [_stored(row) for row in conn.execute(query)]

    def recent_paper_texts(self, since: datetime) -> list[str]:
        """The stored JSON of every paper seen at or after `since`, newest first (the
        rules preview decodes them through a cache: see mailer.web.context)."""
        query = (
            select(papers.c.data)
            .where(papers.c.last_seen >= codec.to_db_time(since))
            .order_by(papers.c.last_seen.desc(), papers.c.id)
        )
        with self.engine.connect() as conn:
            return list(conn.execute(query).scalars())

    def search_papers(
        self,
        query: str = "",
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        newsletter: str | None = None,
        limit: int = 2000,
    ) -> list[StoredPaper]:
        """Papers whose text has every word of `query` (all papers for an empty query),
        best match first, then newest; narrowed by when they were seen and by newsletter
        (its digest label or source name)."""
        words = query_words(query)
        columns = (papers.c.data, papers.c.first_seen, papers.c.last_seen)
        with self.engine.connect() as conn:
            stmt = select(*columns)
            order: list[Any] = []
            if words and conn.dialect.name == "sqlite":
                fts = " ".join('"' + w.replace('"', "") + '"' for w in words)
                stmt = stmt.join(_FTS, _FTS.c.rowid == literal_column("papers.rowid")).where(
                    text("papers_fts MATCH :fts").bindparams(bindparam("fts", fts))
                )
                order.append(_FTS.c.rank)  # FTS5's rank is bm25: best first
            elif words:
                tsquery = func.plainto_tsquery("english", " ".join(words))
                search: Any = literal_column("papers.search")
                stmt = stmt.where(search.op("@@")(tsquery))
                order.append(func.ts_rank(search, tsquery).desc())
            if since is not None:
                stmt = stmt.where(papers.c.last_seen >= codec.to_db_time(since))
            if until is not None:
                stmt = stmt.where(papers.c.first_seen < codec.to_db_time(until))
            if newsletter:
                listed = select(paper_sources.c.paper_id).where(
                    (paper_sources.c.digest == newsletter) | (paper_sources.c.source == newsletter)
                )
                stmt = stmt.where(papers.c.id.in_(listed))
            stmt = stmt.order_by(*order, papers.c.last_seen.desc(), papers.c.id).limit(limit)
            return [_stored(row) for row in conn.execute(stmt)]

    def newsletters(self) -> list[str]:
        """The digest labels (else source names) papers came from, for a filter menu."""
        label = func.coalesce(paper_sources.c.digest, paper_sources.c.source)
        with self.engine.connect() as conn:
            rows = conn.execute(select(label).distinct().order_by(label)).scalars()
            return [str(r) for r in rows if r]

    def listings(self, paper_ids: Sequence[str]) -> dict[str, list[Listing]]:
        """The newsletters that listed each paper, oldest first."""
        query = (
            select(
                paper_sources.c.paper_id,
                paper_sources.c.source,
                paper_sources.c.digest,
                messages.c.subject,
                messages.c.sender,
                messages.c.sent_date,
                messages.c.format,
            )
            .join(messages, messages.c.id == paper_sources.c.message_row)
            .where(paper_sources.c.paper_id.in_(list(paper_ids)))
            .order_by(messages.c.sent_date, messages.c.id)
        )
        found: dict[str, list[Listing]] = {}
        with self.engine.connect() as conn:
            for r in conn.execute(query):
                found.setdefault(r.paper_id, []).append(
                    Listing(
                        r.source,
                        r.digest,
                        r.subject,
                        r.sender,
                        codec.from_db_time(r.sent_date),
                        r.format,
                    )
                )
        return found

    def alerts_for(
        self, *, paper_ids: Sequence[str] | None = None, limit: int = 1000
    ) -> list[AlertRecord]:
        """Alerts (any state), newest first: of the given papers, or the latest overall."""
        query = select(
            outbox.c.id,
            outbox.c.rule,
            outbox.c.destination,
            outbox.c.paper_id,
            papers.c.title,
            outbox.c.state,
            outbox.c.created_at,
            outbox.c.sent_at,
        ).join(papers, papers.c.id == outbox.c.paper_id)
        if paper_ids is not None:
            query = query.where(outbox.c.paper_id.in_(list(paper_ids)))
        query = query.order_by(outbox.c.created_at.desc(), outbox.c.id.desc()).limit(limit)
        with self.engine.connect() as conn:
            return [
                AlertRecord(
                    r.id,
                    r.rule,
                    r.destination,
                    r.paper_id,
                    r.title,
                    OutboxState(r.state),
                    codec.from_db_time(r.created_at) or r.created_at,
                    codec.from_db_time(r.sent_at),
                )
                for r in conn.execute(query)
            ]
