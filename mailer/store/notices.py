"""What silence detection needs from the store, and which notices were already sent.

The `notices` table holds one row per watched subject ("source:<name>",
"destination:<name>"): since when the service has watched it (the stand-in for a
first arrival) and whether a problem notice is out, so a restart neither repeats a
notice nor forgets one. The table is registered on the shared `metadata` (new
databases get it from `create_all`) and added to older ones by migration step 2.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    DateTime,
    Engine,
    String,
    Table,
    Text,
    func,
    select,
    update,
)

from mailer.core.keys import NoticeKey
from mailer.store import codec
from mailer.store.schema import (
    DEAD,
    RETRYING,
    SENT,
    messages,
    metadata,
    outbox,
    stored_states,
)

notices = Table(
    "notices",
    metadata,
    Column("key", String(700), primary_key=True),  # "source:<name>" / "destination:<name>"
    Column("watching_since", DateTime, nullable=False),
    Column("notified", Boolean, nullable=False, default=False),
    Column("changed_at", DateTime, nullable=False),
    Column("detail", Text, nullable=True),  # the last notice's subject line
)


def add_notices_table(conn: Connection) -> None:
    """Migration step: create the notices table in a database made before it existed."""
    notices.create(conn, checkfirst=True)


@dataclass(frozen=True, slots=True)
class NoticeState:
    key: NoticeKey
    watching_since: datetime
    notified: bool
    changed_at: datetime
    detail: str | None


class NoticeLog:
    """Notice state and the facts silence detection judges (arrivals, failures)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def state(self, key: NoticeKey, now: datetime) -> NoticeState:
        """The subject's state; first sight starts watching it at `now`."""
        with self.engine.begin() as conn:
            stored = key.to_str()
            row = conn.execute(select(notices).where(notices.c.key == stored)).mappings().first()
            if row is None:
                at = codec.to_db_time(now)
                conn.execute(
                    notices.insert().values(
                        key=stored, watching_since=at, notified=False, changed_at=at, detail=None
                    )
                )
                return NoticeState(key, now, False, now, None)
        return NoticeState(
            key,
            _aware(row["watching_since"]),
            bool(row["notified"]),
            _aware(row["changed_at"]),
            row["detail"],
        )

    def set_notified(self, key: NoticeKey, notified: bool, now: datetime, detail: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(notices)
                .where(notices.c.key == key.to_str())
                .values(notified=notified, changed_at=codec.to_db_time(now), detail=detail)
            )

    def all_states(self) -> list[NoticeState]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(notices).order_by(notices.c.key)).mappings().all()
        states = []
        for r in rows:
            try:
                key = NoticeKey.parse(r["key"])
            except ValueError:  # not a subject this version watches
                continue
            watching, changed = _aware(r["watching_since"]), _aware(r["changed_at"])
            states.append(NoticeState(key, watching, bool(r["notified"]), changed, r["detail"]))
        return states

    def last_arrival(self, source: str) -> datetime | None:
        """When the newest email of `source` was processed (any status: it arrived)."""
        query = select(func.max(messages.c.processed_at)).where(messages.c.source == source)
        with self.engine.connect() as conn:
            return codec.from_db_time(conn.execute(query).scalar())

    def oldest_failure_since_success(self) -> dict[str, datetime]:
        """Per destination that is failing now: when its oldest unresolved failure was due.

        A failure counts when its alert is retrying or dead and was due after the
        destination's latest successful delivery."""
        last_sent = (
            select(outbox.c.destination, func.max(outbox.c.sent_at).label("sent"))
            .where(outbox.c.state == SENT)
            .group_by(outbox.c.destination)
            .subquery()
        )
        query = (
            select(outbox.c.destination, func.min(outbox.c.due_at))
            .select_from(
                outbox.outerjoin(last_sent, last_sent.c.destination == outbox.c.destination)
            )
            .where(
                outbox.c.state.in_(stored_states((RETRYING, DEAD))),
                outbox.c.attempts > 0,
                (last_sent.c.sent.is_(None)) | (outbox.c.due_at > last_sent.c.sent),
            )
            .group_by(outbox.c.destination)
        )
        with self.engine.connect() as conn:
            return {dest: _aware(due) for dest, due in conn.execute(query)}


def _aware(value: datetime) -> datetime:
    moment = codec.from_db_time(value)
    assert moment is not None
    return moment
