"""Nightly housekeeping: forget what is older than `retention_days`, safely.

Exactly-once must survive pruning, so identities are kept and bulk is dropped:

- messages older than the cutoff keep their row (source, folder, UIDVALIDITY, UID and
  Message-ID are what stop a re-fetch from processing them again; a row is a few
  hundred bytes) but lose the stored raw copy (`mailer replay` cannot use them);
- outbox rows that are finished (sent or dead) and older than the cutoff are deleted;
  a paper that turns up again in a digest after that may alert again;
- papers last seen before the cutoff and no longer referenced by the outbox are
  deleted with their links to messages;
- progress of a feed sent in parts that was not touched since the cutoff (the feed
  went dead half-way and was never retried) is deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, exists, select, update

from mailer.store import codec
from mailer.store.paper_keys import paper_keys
from mailer.store.progress import delivery_progress
from mailer.store.schema import DEAD, SENT, messages, outbox, paper_sources, papers


@dataclass(frozen=True, slots=True)
class PruneResult:
    raw_copies_dropped: int
    alerts_deleted: int
    papers_deleted: int

    def __str__(self) -> str:
        return (
            f"dropped {self.raw_copies_dropped} raw copies, deleted {self.alerts_deleted} "
            f"finished alerts and {self.papers_deleted} papers"
        )


def retention_cutoff(now: datetime, retention_days: int) -> datetime:
    return now - timedelta(days=retention_days)


def prune_state(engine: Engine, cutoff: datetime) -> PruneResult:
    """Drop what is older than `cutoff` (aware) in one transaction."""
    at = codec.to_db_time(cutoff)
    with engine.begin() as conn:
        raws = conn.execute(
            update(messages)
            .where(messages.c.processed_at < at, messages.c.raw.is_not(None))
            .values(raw=None)
        ).rowcount
        alerts = conn.execute(
            delete(outbox).where(
                outbox.c.state.in_([SENT, DEAD]),
                outbox.c.created_at < at,
            )
        ).rowcount
        stale = select(papers.c.id).where(
            papers.c.last_seen < at,
            ~exists().where(outbox.c.paper_id == papers.c.id),
        )
        stale_ids = list(conn.execute(stale).scalars())
        for start in range(0, len(stale_ids), 500):
            chunk = stale_ids[start : start + 500]
            conn.execute(delete(paper_sources).where(paper_sources.c.paper_id.in_(chunk)))
            conn.execute(delete(paper_keys).where(paper_keys.c.paper_id.in_(chunk)))
            conn.execute(delete(papers).where(papers.c.id.in_(chunk)))
        conn.execute(delete(delivery_progress).where(delivery_progress.c.updated_at < at))
    return PruneResult(int(raws or 0), int(alerts or 0), len(stale_ids))
