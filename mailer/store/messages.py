"""Processed messages and papers: the `SourceState` a source consults, and the one
transaction that records a message with its papers and the alerts it raised."""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Engine,
    Executable,
    Table,
    and_,
    bindparam,
    func,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError

from mailer.core.models import MessageStatus, NewAlert, OutboxState, Paper
from mailer.store import codec
from mailer.store.bulk import add_alerts, save_papers
from mailer.store.schema import PARSED, messages, outbox, paper_sources

if TYPE_CHECKING:
    from mailer.store.ingest import IngestBatch

MAX_TEXT = 2000  # subjects, senders and reasons are cut to this many characters
DEADLOCK_RETRIES = 5
RETRYABLE_SQLSTATES = {"40P01", "40001"}  # deadlock detected, serialization failure


@dataclass(frozen=True, slots=True)
class MessageRecord:
    """What the store keeps about one processed message."""

    source: str
    folder: str
    uidvalidity: int
    uid: str
    status: MessageStatus
    processed_at: datetime
    message_id: str | None = None
    subject: str | None = None
    sender: str | None = None
    sent_date: datetime | None = None
    format: str | None = None
    reason: str | None = None
    raw: bytes | None = None

    @property
    def key(self) -> str:
        return message_key(self.source, self.folder, self.uidvalidity, self.uid)


def message_key(source: str, folder: str, uidvalidity: int, uid: str) -> str:
    return f"{source}/{folder}/{uidvalidity}/{uid}"


@dataclass(frozen=True, slots=True)
class StoredMessage:
    row: int
    source: str
    folder: str
    uidvalidity: int
    uid: str
    message_id: str | None
    status: MessageStatus
    reason: str | None
    raw: bytes | None


def fit(value: str, column: Column[Any]) -> str:
    """`value` as stored in a `String(n)` key column: unchanged when it fits, else its
    start and a hash of the whole. PostgreSQL refuses a longer value (SQLite would keep
    it); the result is the same for the same value, so lookups find what was written.
    """
    limit = getattr(column.type, "length", None)
    if limit is None or len(value) <= limit:
        return value
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"{value[: limit - len(digest) - 1]}~{digest}"


def _message_where(source: str, folder: str, uidvalidity: int, uid: str) -> ColumnElement[bool]:
    """The row of the message with this key."""
    return and_(
        messages.c.source == fit(source, messages.c.source),
        messages.c.folder == fit(folder, messages.c.folder),
        messages.c.uidvalidity == uidvalidity,
        messages.c.uid == fit(uid, messages.c.uid),
    )


# Statements a backfill runs for every message, built once (building a statement and
# its cache key is most of what SQLAlchemy spends on a short query): values are bound.
_KEY = and_(
    messages.c.source == bindparam("key_source"),
    messages.c.folder == bindparam("key_folder"),
    messages.c.uidvalidity == bindparam("key_uidvalidity"),
    messages.c.uid == bindparam("key_uid"),
)
_IS_PROCESSED = select(messages.c.id).where(_KEY)
_BEST_COPY = select(func.max(messages.c.paper_count)).where(
    messages.c.message_id == bindparam("message_id"), messages.c.status == PARSED
)
_BEST_OTHER_COPY = _BEST_COPY.where(~_KEY)


def _key_values(source: str, folder: str, uidvalidity: int, uid: str) -> dict[str, object]:
    """The bound values of `_KEY` for the message with this key."""
    return {
        "key_source": fit(source, messages.c.source),
        "key_folder": fit(folder, messages.c.folder),
        "key_uidvalidity": uidvalidity,
        "key_uid": fit(uid, messages.c.uid),
    }


@cache
def _insert_message(dialect: str) -> Executable:
    """INSERT a message row unless its key is stored, RETURNING its id (values bound)."""
    insert = postgresql.insert(messages) if dialect == "postgresql" else sqlite.insert(messages)
    return insert.on_conflict_do_nothing(
        index_elements=["source", "folder", "uidvalidity", "uid"]
    ).returning(messages.c.id)


def _cut(text: str | None) -> str | None:
    """Bounded, and without NUL characters (PostgreSQL text cannot hold them)."""
    return text.replace("\x00", "")[:MAX_TEXT] if text is not None else None


def dialect_insert(conn: Connection, table: Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that supports ON CONFLICT on both SQLite and PostgreSQL."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _alert_row(alert: NewAlert, row: int, created: datetime) -> dict[str, object]:
    due = codec.to_db_time(alert.due_at)
    return {
        "rule": fit(alert.rule, outbox.c.rule),  # rule names have no length limit
        "paper_id": alert.paper_id,
        "destination": alert.destination,
        "batch_key": fit(alert.batch_key.to_str(), outbox.c.batch_key),
        "rule_description": _cut(alert.rule_description),
        "reasons": codec.reasons_to_json(alert.reasons),
        "message_row": row,
        "position": alert.position,
        "created_at": created,
        "due_at": due,
        "state": OutboxState.PENDING,
        "attempts": 0,
        "next_attempt_at": due,
    }


def is_retryable(error: BaseException) -> bool:
    """A deadlock or serialization failure: running the transaction again may succeed."""
    orig = getattr(error, "orig", None)
    return isinstance(error, OperationalError) and (
        getattr(orig, "sqlstate", None) in RETRYABLE_SQLSTATES
    )


class MessageQueries:
    engine: Engine

    # -- SourceState ------------------------------------------------------------------

    def is_processed(self, source: str, folder: str, uidvalidity: int, uid: str) -> bool:
        values = _key_values(source, folder, uidvalidity, uid)
        with self.engine.connect() as conn:
            return conn.execute(_IS_PROCESSED, values).first() is not None

    def highest_uid(self, source: str, folder: str, uidvalidity: int) -> int | None:
        query = select(messages.c.uid).where(
            messages.c.source == fit(source, messages.c.source),
            messages.c.folder == fit(folder, messages.c.folder),
            messages.c.uidvalidity == uidvalidity,
        )
        with self.engine.connect() as conn:
            uids = [int(u) for u in conn.execute(query).scalars() if u.isdigit()]
        return max(uids) if uids else None

    def has_message_id(self, message_id: str) -> bool:
        """Whether a copy with this Message-ID parsed well (a failed, quarantined or
        empty copy does not count: a better copy must still be read)."""
        return self.best_copy_papers(message_id) is not None

    def best_copy_papers(
        self, message_id: str, *, besides: tuple[str, str, int, str] | None = None
    ) -> int | None:
        """The most papers a well-parsed copy with this Message-ID gave (other than the
        message keyed `besides`), None when there is no such copy."""
        values: dict[str, object] = {"message_id": fit(message_id, messages.c.message_id)}
        query = _BEST_COPY
        if besides is not None:
            values.update(_key_values(*besides))
            query = _BEST_OTHER_COPY
        with self.engine.connect() as conn:
            best = conn.execute(query, values).scalar()
        return None if best is None else int(best)

    # -- writes -----------------------------------------------------------------------

    def record_message(
        self,
        record: MessageRecord,
        found: Sequence[Paper] = (),
        alerts: Sequence[NewAlert] = (),
        *,
        batch: IngestBatch | None = None,
    ) -> int:
        """Record a message, its papers and its new alerts in ONE transaction (with
        `batch`: in a savepoint of that batch's transaction, final at its commit).

        Re-recording a message (replay, --since) updates its row. An alert whose
        (rule, paper, destination) is already in the outbox is left as it is.
        Returns how many alerts were new. Rows are written in a fixed order, so workers
        recording digests that share papers do not deadlock; if PostgreSQL still picks
        this transaction as a deadlock victim, it is run again.
        """
        if batch is not None:  # the batch retries the message's savepoint on a deadlock
            return batch.store._record_once(record, found, alerts)
        for attempt in range(1, DEADLOCK_RETRIES + 1):
            try:
                return self._record_once(record, found, alerts)
            except OperationalError as e:
                if not is_retryable(e) or attempt == DEADLOCK_RETRIES:
                    raise
        raise AssertionError("unreachable")

    def _record_once(
        self, record: MessageRecord, found: Sequence[Paper], alerts: Sequence[NewAlert]
    ) -> int:
        alerts = sorted(alerts, key=lambda a: (a.rule, a.paper_id, a.destination))
        with self.engine.begin() as conn:
            # a new row gets its paper count at once (one paper_sources row per paper id);
            # a message recorded again counts what all its recordings saw
            count = len({p.id for p in found})
            row, is_new = self._save_message(conn, record, count)
            save_papers(
                conn,
                found,
                message_row=row,
                source=fit(record.source, paper_sources.c.source),
                when=codec.to_db_time(record.processed_at),
                cut=_cut,
            )
            if not is_new:
                conn.execute(
                    update(messages)
                    .where(messages.c.id == row)
                    .values(
                        paper_count=select(func.count())
                        .select_from(paper_sources)
                        .where(paper_sources.c.message_row == row)
                        .scalar_subquery()
                    )
                )
            created = codec.to_db_time(record.processed_at)
            return add_alerts(conn, [_alert_row(alert, row, created) for alert in alerts])

    def _save_message(
        self, conn: Connection, record: MessageRecord, paper_count: int
    ) -> tuple[int, bool]:
        """The message's row, and whether it was inserted now."""
        values: dict[str, object] = {
            "message_id": fit(record.message_id, messages.c.message_id)
            if record.message_id is not None
            else None,
            "subject": _cut(record.subject),
            "sender": _cut(record.sender),
            "sent_date": codec.to_db_time(record.sent_date) if record.sent_date else None,
            "format": record.format,
            "status": record.status,
            "reason": _cut(record.reason),
            "processed_at": codec.to_db_time(record.processed_at),
        }
        if record.raw is not None:
            values["raw"] = zlib.compress(record.raw, 1)  # cheap: read back only by replay
        # insert, or update the row a replay, --since or a concurrent worker made
        row = {
            "source": fit(record.source, messages.c.source),
            "folder": fit(record.folder, messages.c.folder),
            "uidvalidity": record.uidvalidity,
            "uid": fit(record.uid, messages.c.uid),
            "paper_count": paper_count,
            **values,
        }
        inserted = conn.execute(_insert_message(conn.dialect.name), row).scalar()
        if inserted is not None:
            return int(inserted), True
        existing = conn.execute(
            select(messages.c.id).where(
                _message_where(record.source, record.folder, record.uidvalidity, record.uid)
            )
        ).scalar_one()
        conn.execute(update(messages).where(messages.c.id == existing).values(**values))
        return int(existing), False

    # -- reads ------------------------------------------------------------------------

    def with_known_ids(self, found: Sequence[Paper]) -> list[Paper]:
        """The papers under the ids they are stored by: a paper already known by its
        normalized title, DOI or OpenReview id keeps that id (see `paper_keys`)."""
        from mailer.store.paper_keys import canonical_ids

        with self.engine.connect() as conn:
            return canonical_ids(conn, found)

    def known_alerts(self, keys: Sequence[tuple[str, str, str]]) -> set[tuple[str, str, str]]:
        """Which (rule, paper_id, destination) keys are already in the outbox."""
        if not keys:
            return set()
        paper_ids = sorted({k[1] for k in keys})
        query = select(outbox.c.rule, outbox.c.paper_id, outbox.c.destination).where(
            outbox.c.paper_id.in_(paper_ids)
        )
        with self.engine.connect() as conn:
            known = {(r, p, d) for r, p, d in conn.execute(query)}
        return known & set(keys)

    def find_messages(self, message_id: str) -> list[StoredMessage]:
        """Stored messages with this Message-ID (angle brackets optional), newest first."""
        bare = message_id.strip().strip("<>")
        forms = [fit(form, messages.c.message_id) for form in (bare, f"<{bare}>")]
        query = (
            select(messages).where(messages.c.message_id.in_(forms)).order_by(messages.c.id.desc())
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            StoredMessage(
                row=r["id"],
                source=r["source"],
                folder=r["folder"],
                uidvalidity=r["uidvalidity"],
                uid=r["uid"],
                message_id=r["message_id"],
                status=MessageStatus(r["status"]),
                reason=r["reason"],
                raw=zlib.decompress(r["raw"]) if r["raw"] is not None else None,
            )
            for r in rows
        ]
