"""The tables: processed messages, papers and where they came from, and the alert outbox.

Times are stored as naive UTC (`timestamp without time zone` on PostgreSQL); the store
converts at its edge, so the rest of the product only sees timezone-aware datetimes.
Key columns are `String(n)`, a limit PostgreSQL enforces (SQLite does not): a longer
source, folder, uid, Message-ID, rule or batch key is written as its start and a hash
(`mailer.store.messages.fit`), the same on both databases.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from mailer.core.models import LEGACY_RETRYING, MessageStatus, OutboxState

metadata = MetaData()

# Message statuses and outbox states: the enums in mailer.core.models, by their short names
# (a StrEnum member is its stored value in SQL).
PARSED = MessageStatus.PARSED
NO_PAPERS = MessageStatus.NO_PAPERS
FAILED = MessageStatus.FAILED
SKIPPED = MessageStatus.SKIPPED
QUARANTINED = MessageStatus.QUARANTINED

PENDING = OutboxState.PENDING
SENT = OutboxState.SENT
RETRYING = OutboxState.RETRYING
DEAD = OutboxState.DEAD
OPEN = (PENDING, RETRYING)  # still to be delivered


def stored_states(states: Iterable[OutboxState]) -> list[str]:
    """The stored values that mean `states`: a retrying alert is also read under the name
    versions before migration 11 stored it ("failed"), which an old replica still running
    during a rolling update keeps writing (`OutboxState` reads it as RETRYING)."""
    values = [str(state) for state in states]
    return [*values, LEGACY_RETRYING] if RETRYING in values else values


schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True),
    Column("applied_at", DateTime, nullable=False),
    Column("description", Text, nullable=False),
)

messages = Table(
    "messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(200), nullable=False),
    Column("folder", String(500), nullable=False),
    Column("uidvalidity", BigInteger, nullable=False),
    Column("uid", String(1000), nullable=False),
    Column("message_id", String(1000), nullable=True, index=True),
    Column("subject", Text, nullable=True),
    Column("sender", Text, nullable=True),
    Column("sent_date", DateTime, nullable=True),  # the Date header, in UTC
    Column("format", String(40), nullable=True),
    Column("status", String(20), nullable=False),
    Column("reason", Text, nullable=True),
    Column("paper_count", Integer, nullable=False, default=0),
    Column("processed_at", DateTime, nullable=False),
    Column("raw", LargeBinary, nullable=True),  # zlib-compressed copy, for `mailer replay`
    UniqueConstraint("source", "folder", "uidvalidity", "uid", name="uq_messages_key"),
)
Index("ix_messages_processed_at", messages.c.processed_at)

papers = Table(
    "papers",
    metadata,
    Column("id", String(200), primary_key=True),  # canonical: arxiv:<id> or title:<hash>
    Column("title", Text, nullable=False),
    Column("data", Text, nullable=False),  # the Paper as JSON (mailer.store.codec)
    Column("first_seen", DateTime, nullable=False),
    Column("last_seen", DateTime, nullable=False),
)

paper_sources = Table(
    "paper_sources",
    metadata,
    Column("paper_id", String(200), ForeignKey("papers.id"), primary_key=True),
    Column("message_row", Integer, ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True),
    Column("source", String(200), nullable=False),
    Column("digest", Text, nullable=True),  # the digest's human label, e.g. "arXiv cs daily"
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("rule", String(200), nullable=False),
    Column("paper_id", String(200), ForeignKey("papers.id"), nullable=False),
    Column("destination", String(500), nullable=False),
    Column("batch_key", String(1100), nullable=False),  # "msg:<message key>" / "day:YYYY-MM-DD"
    Column("rule_description", Text, nullable=True),
    Column("reasons", Text, nullable=False),  # JSON list of MatchReason
    Column("message_row", Integer, nullable=True),  # the message the alert came from
    Column("created_at", DateTime, nullable=False),
    Column("due_at", DateTime, nullable=False),
    Column("state", String(10), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime, nullable=False),
    Column("last_error", Text, nullable=True),
    Column("sent_at", DateTime, nullable=True),
    Column("claimed_by", String(100), nullable=True),  # a worker's lease while it delivers
    Column("claimed_until", DateTime, nullable=True),
    # the paper's place in its digest's order (arXiv new first, HF by upvotes): alerts of
    # a batch are sent in this order (migration 5)
    Column("position", Integer, nullable=True),
    UniqueConstraint("rule", "paper_id", "destination", name="uq_outbox_alert"),
)
Index("ix_outbox_due", outbox.c.state, outbox.c.next_attempt_at)
Index("ix_outbox_batch", outbox.c.rule, outbox.c.destination, outbox.c.batch_key)
