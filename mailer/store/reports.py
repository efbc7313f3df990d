"""Read-only summaries of the store for `mailer status`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, distinct, func, select

from mailer.core.models import MessageStatus
from mailer.store import codec
from mailer.store.schema import FAILED, QUARANTINED, SKIPPED, messages, outbox, paper_sources


@dataclass(frozen=True, slots=True)
class MessageProblem:
    source: str
    uid: str
    message_id: str | None
    subject: str | None
    status: MessageStatus
    reason: str | None
    processed_at: datetime
    papers: int = 0


class ReportQueries:
    engine: Engine

    def messages_per_source(self) -> dict[str, dict[str, int]]:
        """{source: {status: count}} over every processed message."""
        query = select(messages.c.source, messages.c.status, func.count()).group_by(
            messages.c.source, messages.c.status
        )
        result: dict[str, dict[str, int]] = {}
        with self.engine.connect() as conn:
            for source, status, count in conn.execute(query):
                result.setdefault(source, {})[status] = int(count)
        return result

    def activity_since(self, since: datetime) -> tuple[int, int]:
        """(emails processed, distinct papers seen in them) since a moment."""
        at = codec.to_db_time(since)
        emails = select(func.count()).select_from(messages).where(messages.c.processed_at >= at)
        found = (
            select(func.count(distinct(paper_sources.c.paper_id)))
            .select_from(paper_sources.join(messages, messages.c.id == paper_sources.c.message_row))
            .where(messages.c.processed_at >= at)
        )
        with self.engine.connect() as conn:
            return int(conn.execute(emails).scalar() or 0), int(conn.execute(found).scalar() or 0)

    def alerts_per_rule(self) -> dict[str, dict[str, int]]:
        """{rule: {state: count}} over the outbox (one row per rule, paper, destination)."""
        query = select(outbox.c.rule, outbox.c.state, func.count()).group_by(
            outbox.c.rule, outbox.c.state
        )
        result: dict[str, dict[str, int]] = {}
        with self.engine.connect() as conn:
            for rule, state, count in conn.execute(query):
                result.setdefault(rule, {})[state] = int(count)
        return result

    def recent_problems(self, limit: int = 10) -> list[MessageProblem]:
        """Messages that failed to parse or were skipped, newest first."""
        return self.recent_messages(limit, statuses=(FAILED, QUARANTINED, SKIPPED))

    def recent_messages(
        self, limit: int = 5, statuses: tuple[MessageStatus, ...] | None = None
    ) -> list[MessageProblem]:
        """The latest processed messages (of some statuses), newest first."""
        query = select(messages).order_by(messages.c.processed_at.desc(), messages.c.id.desc())
        if statuses is not None:
            query = query.where(messages.c.status.in_(statuses))
        query = query.limit(limit)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            MessageProblem(
                source=r["source"],
                uid=r["uid"],
                message_id=r["message_id"],
                subject=r["subject"],
                status=MessageStatus(r["status"]),
                reason=r["reason"],
                processed_at=codec.from_db_time(r["processed_at"]) or r["processed_at"],
                papers=int(r["paper_count"] or 0),
            )
            for r in rows
        ]
