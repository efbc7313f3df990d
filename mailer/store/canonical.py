"""The cache of canonical records (arXiv, Hugging Face), so a paper seen again costs no
request.

One row per (origin, arXiv id): the cleaned record as JSON, or none for an id the API
does not know (the negative cache), and when it was fetched. How long a row stays
fresh is the enricher's business (`mailer.enrich`); the store only keeps rows and
their times. Registered on the shared `metadata` (new databases get the table from
`create_all`) and added to older ones by migration step 4.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Connection, DateTime, Engine, String, Table, Text, select

from mailer.core.canonical import CanonicalRecord, Origin
from mailer.store import codec
from mailer.store.messages import dialect_insert
from mailer.store.schema import metadata

canonical_records = Table(
    "canonical_records",
    metadata,
    Column("origin", String(20), primary_key=True),  # "arxiv" / "huggingface"
    Column("arxiv_id", String(100), primary_key=True),  # without version
    Column("data", Text, nullable=True),  # the CanonicalRecord as JSON; NULL: unknown id
    Column("fetched_at", DateTime, nullable=False),
)


def add_canonical_records_table(conn: Connection) -> None:
    """Migration step 4: the cache table in a database made before it existed."""
    canonical_records.create(conn, checkfirst=True)


@dataclass(frozen=True, slots=True)
class CachedRecord:
    origin: Origin
    arxiv_id: str
    record: CanonicalRecord | None  # None: the API said it does not know this id
    fetched_at: datetime


def _to_json(record: CanonicalRecord) -> str:
    data: dict[str, Any] = {
        "title": record.title,
        "abstract": record.abstract,
        "authors": list(record.authors) if record.authors is not None else None,
        "upvotes": record.upvotes,
        "published": record.published.isoformat() if record.published else None,
        "pdf_url": record.pdf_url,
    }
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def _from_json(origin: Origin, arxiv_id: str, text: str) -> CanonicalRecord:
    data = json.loads(text)
    published = data.get("published")
    return CanonicalRecord(
        arxiv_id=arxiv_id,
        origin=origin,
        title=data.get("title"),
        abstract=data.get("abstract"),
        authors=tuple(data["authors"]) if data.get("authors") is not None else None,
        upvotes=data.get("upvotes"),
        published=date.fromisoformat(published) if published else None,
        pdf_url=data.get("pdf_url"),
    )


class CanonicalCache:
    """Reads and writes cached records; safe to share between threads."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get(self, origin: Origin, arxiv_ids: Iterable[str]) -> dict[str, CachedRecord]:
        ids = sorted(set(arxiv_ids))
        found: dict[str, CachedRecord] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(ids), 500):  # bounded IN lists
                chunk = ids[start : start + 500]
                rows = conn.execute(
                    select(
                        canonical_records.c.arxiv_id,
                        canonical_records.c.data,
                        canonical_records.c.fetched_at,
                    ).where(
                        canonical_records.c.origin == origin,
                        canonical_records.c.arxiv_id.in_(chunk),
                    )
                )
                for arxiv_id, data, fetched_at in rows:
                    record = _from_json(origin, arxiv_id, data) if data is not None else None
                    moment = codec.from_db_time(fetched_at)
                    assert moment is not None
                    found[arxiv_id] = CachedRecord(origin, arxiv_id, record, moment)
        return found

    def put(
        self,
        origin: Origin,
        fetched_at: datetime,
        records: Sequence[CanonicalRecord] = (),
        unknown: Sequence[str] = (),
    ) -> None:
        """Store fresh records and ids the API does not know, replacing older rows."""
        rows = [(r.arxiv_id, _to_json(r)) for r in records] + [(i, None) for i in unknown]
        if not rows:
            return
        when = codec.to_db_time(fetched_at)
        with self.engine.begin() as conn:
            for arxiv_id, data in sorted(rows, key=lambda row: row[0]):
                conn.execute(
                    dialect_insert(conn, canonical_records)
                    .values(origin=origin, arxiv_id=arxiv_id, data=data, fetched_at=when)
                    .on_conflict_do_update(
                        index_elements=["origin", "arxiv_id"],
                        set_={"data": data, "fetched_at": when},
                    )
                )


class DryRunCanonicalCache(CanonicalCache):
    """The cache as a dry run sees it: it reads the store, keeps what the dry run fetched
    in memory (so a paper in two emails is asked for once) and writes nothing."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self._fetched: dict[tuple[Origin, str], CachedRecord] = {}
        self._lock = threading.Lock()

    def get(self, origin: Origin, arxiv_ids: Iterable[str]) -> dict[str, CachedRecord]:
        ids = sorted(set(arxiv_ids))
        found = super().get(origin, ids)
        with self._lock:
            found.update({i: self._fetched[origin, i] for i in ids if (origin, i) in self._fetched})
        return found

    def put(
        self,
        origin: Origin,
        fetched_at: datetime,
        records: Sequence[CanonicalRecord] = (),
        unknown: Sequence[str] = (),
    ) -> None:
        with self._lock:
            for record in records:
                key = (origin, record.arxiv_id)
                self._fetched[key] = CachedRecord(origin, record.arxiv_id, record, fetched_at)
            for arxiv_id in unknown:
                self._fetched[origin, arxiv_id] = CachedRecord(origin, arxiv_id, None, fetched_at)
