"""Messages quarantined for going over their parse budget (time or memory).

The message itself is recorded as usual (status `quarantined`, the reason, the raw
copy for `mailer replay`); this table adds what the budget was, so `mailer status`
can say "over 30 s" and `mailer replay --seconds 120` knows what "larger" means. A
replay that parses the message removes its row. Added by migration step 9.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    delete,
    select,
)

from mailer.store import codec
from mailer.store.messages import dialect_insert, fit
from mailer.store.schema import messages, metadata

quarantine = Table(
    "quarantine",
    metadata,
    Column(
        "message_row",
        Integer,
        ForeignKey("messages.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("kind", String(10), nullable=False),  # "time" or "memory"
    Column("seconds", Float, nullable=False),  # the budget it went over
    Column("memory_mb", Integer, nullable=False),
    Column("quarantined_at", DateTime, nullable=False),
)


def add_quarantine_table(conn: Connection) -> None:
    """Migration step 9: create the table in a database made before it existed."""
    quarantine.create(conn, checkfirst=True)


@dataclass(frozen=True, slots=True)
class QuarantinedMessage:
    source: str
    uid: str
    message_id: str | None
    subject: str | None
    reason: str | None
    kind: str
    seconds: float
    memory_mb: int
    at: datetime


def _row_of(conn: Connection, source: str, folder: str, uidvalidity: int, uid: str) -> int | None:
    query = select(messages.c.id).where(
        messages.c.source == fit(source, messages.c.source),
        messages.c.folder == fit(folder, messages.c.folder),
        messages.c.uidvalidity == uidvalidity,
        messages.c.uid == fit(uid, messages.c.uid),
    )
    return conn.execute(query).scalar()


class ParseBudgetLike(Protocol):
    @property
    def seconds(self) -> float: ...
    @property
    def memory_mb(self) -> int: ...


class QuarantineLog:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def note(
        self,
        key: tuple[str, str, int, str],
        over: str | None,
        budget: ParseBudgetLike,
        *,
        replayed: bool,
        now: datetime,
    ) -> None:
        """After recording a message: remember the budget it went `over` ("time" or
        "memory"), or forget an old quarantine when a replay got it through."""
        if over is not None:
            self.record(key, over, budget.seconds, budget.memory_mb, now)
        elif replayed:
            self.release(key)

    def record(
        self,
        key: tuple[str, str, int, str],
        kind: str,
        seconds: float,
        memory_mb: int,
        now: datetime,
    ) -> None:
        """Remember the budget a recorded message went over (replacing an older one)."""
        with self.engine.begin() as conn:
            row = _row_of(conn, *key)
            if row is None:
                return
            conn.execute(delete(quarantine).where(quarantine.c.message_row == row))
            conn.execute(
                dialect_insert(conn, quarantine).values(
                    message_row=row,
                    kind=kind,
                    seconds=seconds,
                    memory_mb=memory_mb,
                    quarantined_at=codec.to_db_time(now),
                )
            )

    def release(self, key: tuple[str, str, int, str]) -> None:
        """The message parsed after all (a replay with a larger budget)."""
        with self.engine.begin() as conn:
            row = _row_of(conn, *key)
            if row is not None:
                conn.execute(delete(quarantine).where(quarantine.c.message_row == row))

    def recent(self, limit: int = 10) -> list[QuarantinedMessage]:
        query = (
            select(messages, quarantine)
            .join(quarantine, quarantine.c.message_row == messages.c.id)
            .order_by(quarantine.c.quarantined_at.desc(), messages.c.id.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            QuarantinedMessage(
                source=r["source"],
                uid=r["uid"],
                message_id=r["message_id"],
                subject=r["subject"],
                reason=r["reason"],
                kind=r["kind"],
                seconds=float(r["seconds"]),
                memory_mb=int(r["memory_mb"]),
                at=codec.from_db_time(r["quarantined_at"]) or r["quarantined_at"],
            )
            for r in rows
        ]

    def count(self) -> int:
        query = select(quarantine.c.message_row).join(
            messages, quarantine.c.message_row == messages.c.id
        )
        with self.engine.connect() as conn:
            return len(conn.execute(query).all())
