"""The outbox: claiming due alerts batch by batch, and recording what delivery did.

A claim sets a lease (`claimed_by`, `claimed_until`) on every due row of the oldest
due batches (rule, destination, batch key; up to `CLAIM_BATCHES` of them, so a
backfill's thousand small batches are not a thousand claims) in one short
transaction; on PostgreSQL the rows are
picked with `FOR UPDATE SKIP LOCKED`, so several workers sharing the database never
take the same alert. On SQLite the UPDATE re-checks the lease under the write lock.
The worker renews the lease while it delivers (`renew_claim`). A worker that dies
leaves its lease; it is taken over when it expires, or at once when the worker that
holds it is known to be gone (`release_claims`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Update,
    and_,
    bindparam,
    func,
    or_,
    select,
    update,
)

from mailer.core.keys import BatchKey, Claim
from mailer.core.models import MatchReason, OutboxState, Paper
from mailer.store import codec
from mailer.store.schema import (
    DEAD,
    OPEN,
    PENDING,
    RETRYING,
    SENT,
    outbox,
    papers,
    stored_states,
)

__all__ = ["ClaimedAlert", "OutboxEntry", "OutboxGroup", "OutboxQueries"]

CLAIM_BATCHES = 20  # batches one claim (one transaction, one lease keeper) takes at most
SCAN_ROWS_PER_BATCH = 50  # due rows read per batch wanted, to find the oldest batches


@dataclass(frozen=True, slots=True)
class ClaimedAlert:
    id: int
    rule: str
    destination: str
    batch_key: BatchKey
    paper: Paper
    reasons: tuple[MatchReason, ...]
    rule_description: str | None
    attempts: int
    created_at: datetime  # when the alert was enqueued
    due_at: datetime  # for a daily feed: the feed's delivery time


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """An outbox row as `mailer outbox` shows it."""

    id: int
    rule: str
    destination: str
    paper_id: str
    title: str
    batch_key: BatchKey
    state: OutboxState
    attempts: int
    due_at: datetime
    next_attempt_at: datetime
    last_error: str | None
    sent_at: datetime | None
    created_at: datetime | None = None  # when the alert was enqueued


@dataclass(frozen=True, slots=True)
class OutboxGroup:
    """Alerts of one rule, destination, state and reason, as `mailer outbox` groups them."""

    rule: str
    destination: str
    state: OutboxState
    reason: str | None
    count: int
    oldest: datetime  # enqueued
    newest: datetime
    next_at: datetime  # the earliest due time (pending) or next try (retrying)
    max_attempts: int


def _utc(value: datetime) -> datetime:
    utc = codec.from_db_time(value)
    assert utc is not None  # NOT NULL columns
    return utc


@contextmanager
def delivery_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction for the outbox's delivery state (claims, leases, sent, retry, dead),
    durable against a crash of this process but not waiting for the disk: SQLite's
    `synchronous=NORMAL` in WAL mode (the state's default is FULL), PostgreSQL's
    `synchronous_commit = off`. A power cut (or a database server crash) may undo the
    last of these commits: a batch marked sent is then sent once more, a lease comes
    back, a retry is tried again; no alert is lost, and a kill of the mailer loses
    nothing. One disk flush per delivered batch was most of a backfill's delivery cost.
    Ingestion (what a source moves away after the commit) keeps FULL."""
    with engine.connect() as conn:
        is_sqlite = conn.dialect.name == "sqlite"
        if is_sqlite:  # outside a transaction: SQLite refuses to change it inside one
            conn.exec_driver_sql("PRAGMA synchronous=NORMAL")
            conn.commit()
        try:
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
                yield conn
        finally:
            if is_sqlite:  # the pooled connection goes back as it came
                conn.exec_driver_sql("PRAGMA synchronous=FULL")
                conn.commit()


@lru_cache(maxsize=16)
def _finishing(held: bool, names: tuple[str, ...]) -> Update:
    """The UPDATE that ends a delivery attempt (`_finish`), built once per shape (one a
    delivered batch was most of marking it sent): the rows `ids` not sent yet (with
    `held`, only those the `claim` holds or nobody does), set to the `new_<name>`
    parameters, one attempt more, unclaimed."""
    query = update(outbox).where(
        outbox.c.id.in_(bindparam("ids", expanding=True)), outbox.c.state != SENT
    )
    if held:
        held_by = outbox.c.claimed_by == bindparam("claim")
        query = query.where(or_(held_by, outbox.c.claimed_by.is_(None)))
    return query.values(
        attempts=outbox.c.attempts + 1,
        claimed_by=None,
        claimed_until=None,
        **{name: bindparam(f"new_{name}") for name in names},
    )


def _due(now: datetime) -> ColumnElement[bool]:
    at = codec.to_db_time(now)
    return and_(
        outbox.c.state.in_(stored_states(OPEN)),
        outbox.c.due_at <= at,
        outbox.c.next_attempt_at <= at,
        or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < at),
    )


class OutboxQueries:
    engine: Engine

    def due_destinations(self, now: datetime) -> list[str]:
        """The destinations that have alerts due at `now`."""
        query = select(outbox.c.destination).where(_due(now)).distinct()
        with self.engine.connect() as conn:
            return sorted(conn.execute(query).scalars())

    def claim_next_batch(
        self, now: datetime, claim: Claim, lease: timedelta, destination: str | None = None
    ) -> list[ClaimedAlert]:
        """Lease every due alert of the oldest due batch (of one destination, if given) to
        `claim`; [] when none is due."""
        batches = self.claim_due_batches(now, claim, lease, destination, limit=1)
        return batches[0] if batches else []

    def claim_due_batches(
        self,
        now: datetime,
        claim: Claim,
        lease: timedelta,
        destination: str | None = None,
        *,
        limit: int = CLAIM_BATCHES,
    ) -> list[list[ClaimedAlert]]:
        """Lease every due alert of the `limit` oldest due batches (of one destination, if
        given) to `claim`, in ONE transaction; the batches oldest first, each in its
        digest order. [] when none is due."""
        with delivery_transaction(self.engine) as conn:
            oldest = (
                select(outbox.c.rule, outbox.c.destination, outbox.c.batch_key)
                .where(_due(now))
                .order_by(outbox.c.due_at, outbox.c.id)
                .limit(max(limit, 1) * SCAN_ROWS_PER_BATCH)
            )
            if destination is not None:
                oldest = oldest.where(outbox.c.destination == destination)
            if conn.dialect.name == "postgresql":  # not a batch another worker is claiming
                oldest = oldest.with_for_update(skip_locked=True)
            keys: list[tuple[str, str, str]] = []
            for rule, where, batch_key in conn.execute(oldest):
                if (rule, where, batch_key) not in keys:
                    keys.append((rule, where, batch_key))
                    if len(keys) == limit:
                        break
            if not keys:
                return []
            in_batches = and_(
                _due(now),
                or_(
                    *(
                        and_(
                            outbox.c.rule == rule,
                            outbox.c.destination == where,
                            outbox.c.batch_key == batch_key,
                        )
                        for rule, where, batch_key in keys
                    )
                ),
            )
            ids = select(outbox.c.id).where(in_batches)
            if conn.dialect.name == "postgresql":
                ids = ids.with_for_update(skip_locked=True)
            chosen = list(conn.execute(ids).scalars())
            if not chosen:
                return []
            conn.execute(
                update(outbox)
                .where(outbox.c.id.in_(chosen), _due(now))
                .values(claimed_by=claim.to_str(), claimed_until=codec.to_db_time(now + lease))
            )
            rows = conn.execute(
                select(outbox, papers.c.data)
                .join(papers, papers.c.id == outbox.c.paper_id)
                .where(outbox.c.claimed_by == claim.to_str(), outbox.c.id.in_(chosen))
                # digest by digest, each in its own order (arXiv new first, HF by upvotes)
                .order_by(
                    func.coalesce(outbox.c.message_row, 0),
                    func.coalesce(outbox.c.position, 0),
                    outbox.c.id,
                )
            ).mappings()
            grouped: dict[tuple[str, str, str], list[ClaimedAlert]] = {key: [] for key in keys}
            for r in rows:
                grouped[(r["rule"], r["destination"], r["batch_key"])].append(
                    ClaimedAlert(
                        id=r["id"],
                        rule=r["rule"],
                        destination=r["destination"],
                        batch_key=BatchKey.parse(r["batch_key"]),
                        paper=codec.paper_from_json(r["data"]),
                        reasons=codec.reasons_from_json(r["reasons"]),
                        rule_description=r["rule_description"],
                        attempts=r["attempts"],
                        created_at=codec.from_db_time(r["created_at"]) or now,
                        due_at=codec.from_db_time(r["due_at"]) or now,
                    )
                )
            return [batch for batch in grouped.values() if batch]

    def renew_claim(self, claim: Claim, until: datetime) -> int:
        """Extend the lease of `claim` to `until`; 0 when its rows are no longer held by it."""
        with delivery_transaction(self.engine) as conn:
            result = conn.execute(
                update(outbox)
                .where(
                    outbox.c.claimed_by == claim.to_str(), outbox.c.state.in_(stored_states(OPEN))
                )
                .values(claimed_until=codec.to_db_time(until))
            )
        return int(result.rowcount or 0)

    def active_claims(self, now: datetime) -> list[Claim]:
        """The claims whose lease has not expired (to find those of dead workers)."""
        query = (
            select(outbox.c.claimed_by)
            .where(
                outbox.c.claimed_by.is_not(None),
                outbox.c.claimed_until >= codec.to_db_time(now),
                outbox.c.state.in_(stored_states(OPEN)),
            )
            .distinct()
        )
        with self.engine.connect() as conn:
            stored = [c for c in conn.execute(query).scalars() if c]
        claims = []
        for text in stored:
            try:
                claims.append(Claim.parse(text))
            except ValueError:  # not a worker's lease (written by hand): left to expire
                continue
        return claims

    def release_claims(self, claims: Sequence[Claim]) -> int:
        """Drop the leases of workers known to be gone, so their alerts go out now."""
        if not claims:
            return 0
        with delivery_transaction(self.engine) as conn:
            result = conn.execute(
                update(outbox)
                .where(
                    outbox.c.claimed_by.in_([c.to_str() for c in claims]), outbox.c.state != SENT
                )
                .values(claimed_by=None, claimed_until=None)
            )
        return int(result.rowcount or 0)

    def mark_sent(self, ids: Sequence[int], now: datetime) -> None:
        """Delivered: whoever holds the rows now, they are not sent again."""
        self._finish(ids, None, state=SENT, sent_at=codec.to_db_time(now), last_error=None)

    def mark_retry(
        self,
        ids: Sequence[int],
        error: str,
        next_attempt_at: datetime,
        *,
        claim: Claim | None = None,
    ) -> None:
        """A failed attempt, to retry at `next_attempt_at`. With `claim`, rows another
        worker took over meanwhile are left to it; a row already sent is never reopened."""
        self._finish(
            ids,
            claim,
            state=RETRYING,
            last_error=error[:2000],
            next_attempt_at=codec.to_db_time(next_attempt_at),
        )

    def mark_dead(self, ids: Sequence[int], error: str, *, claim: Claim | None = None) -> None:
        """Given up on (same rules as `mark_retry` for rows taken over or sent)."""
        self._finish(ids, claim, state=DEAD, last_error=error[:2000])

    def _finish(self, ids: Sequence[int], claim: Claim | None, **values: object) -> None:
        if not ids:
            return
        params = {f"new_{name}": value for name, value in values.items()}
        params["ids"] = list(ids)
        if claim is not None:
            params["claim"] = claim.to_str()
        with delivery_transaction(self.engine) as conn:
            conn.execute(_finishing(claim is not None, tuple(sorted(values))), params)

    def requeue_dead(self, ids: Sequence[int] | None, now: datetime) -> int:
        """Dead alerts back to pending, due now (all dead ones when `ids` is None)."""
        query = update(outbox).where(outbox.c.state == DEAD)
        if ids is not None:
            query = query.where(outbox.c.id.in_(list(ids)))
        at = codec.to_db_time(now)
        with self.engine.begin() as conn:
            result = conn.execute(
                query.values(state=PENDING, attempts=0, next_attempt_at=at, due_at=at)
            )
        return int(result.rowcount or 0)

    def list_outbox(
        self, states: Sequence[OutboxState] = (PENDING, RETRYING, DEAD), limit: int = 200
    ) -> list[OutboxEntry]:
        query = (
            select(outbox, papers.c.title)
            .join(papers, papers.c.id == outbox.c.paper_id)
            .where(outbox.c.state.in_(stored_states(states)))
            .order_by(outbox.c.state, outbox.c.next_attempt_at, outbox.c.id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            OutboxEntry(
                id=r["id"],
                rule=r["rule"],
                destination=r["destination"],
                paper_id=r["paper_id"],
                title=r["title"],
                batch_key=BatchKey.parse(r["batch_key"]),
                state=OutboxState(r["state"]),
                attempts=r["attempts"],
                due_at=codec.from_db_time(r["due_at"]) or r["due_at"],
                next_attempt_at=codec.from_db_time(r["next_attempt_at"]) or r["next_attempt_at"],
                last_error=r["last_error"],
                sent_at=codec.from_db_time(r["sent_at"]),
                created_at=codec.from_db_time(r["created_at"]),
            )
            for r in rows
        ]

    def outbox_groups(
        self, states: Sequence[OutboxState] = (PENDING, RETRYING, DEAD)
    ) -> list[OutboxGroup]:
        """Unsent alerts counted per (rule, destination, state, last error)."""
        key = (outbox.c.rule, outbox.c.destination, outbox.c.state, outbox.c.last_error)
        query = (
            select(
                *key,
                func.count(),
                func.min(outbox.c.created_at),
                func.max(outbox.c.created_at),
                func.min(func.coalesce(outbox.c.next_attempt_at, outbox.c.due_at)),
                func.min(outbox.c.due_at),
                func.max(outbox.c.attempts),
            )
            .where(outbox.c.state.in_(stored_states(states)))
            .group_by(*key)
            .order_by(outbox.c.state, outbox.c.rule, outbox.c.destination)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        groups = []
        for rule, destination, state, error, count, oldest, newest, next_try, due, tries in rows:
            next_at = max(_utc(next_try), _utc(due))
            groups.append(
                OutboxGroup(
                    rule=rule,
                    destination=destination,
                    state=OutboxState(state),
                    reason=error,
                    count=int(count),
                    oldest=_utc(oldest),
                    newest=_utc(newest),
                    next_at=next_at,
                    max_attempts=int(tries or 0),
                )
            )
        return groups

    def count_waiting(self, now: datetime) -> int:
        """Pending alerts not yet due at `now` (daily feeds, quiet hours); retries waiting
        out their backoff are `count_backoff`'s."""
        at = codec.to_db_time(now)
        query = (
            select(func.count())
            .select_from(outbox)
            .where(
                outbox.c.state.in_(stored_states([PENDING])),
                or_(outbox.c.due_at > at, outbox.c.next_attempt_at > at),
            )
        )
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar() or 0)

    def count_backoff(self, now: datetime) -> tuple[int, datetime | None]:
        """Retrying alerts waiting out their backoff at `now`, and when the first is due."""
        at = codec.to_db_time(now)
        query = select(func.count(), func.min(outbox.c.next_attempt_at)).where(
            outbox.c.state.in_(stored_states([RETRYING])), outbox.c.next_attempt_at > at
        )
        with self.engine.connect() as conn:
            count, first = conn.execute(query).one()
        return int(count or 0), codec.from_db_time(first)

    def next_due(self, now: datetime) -> datetime | None:
        """When the next pending alert that is not due at `now` becomes due (None if none
        waits), as `count_waiting` counts them."""
        at = codec.to_db_time(now)
        query = select(func.min(outbox.c.next_attempt_at)).where(
            outbox.c.state.in_(stored_states([PENDING])), outbox.c.next_attempt_at > at
        )
        with self.engine.connect() as conn:
            return codec.from_db_time(conn.execute(query).scalar())

    def outbox_counts(self) -> dict[OutboxState, int]:
        """Alerts per state, every state present (0 when none)."""
        query = select(outbox.c.state, func.count()).group_by(outbox.c.state)
        with self.engine.connect() as conn:
            counts = dict.fromkeys(OutboxState, 0)
            for state, n in conn.execute(query):  # "failed" (an old replica's) adds to RETRYING
                counts[OutboxState(state)] += int(n)
        return counts
