"""Slack subscriptions and the 👍/👎 clicks on alerts: two tables and their queries.

A subscription is a rule written in Slack (`/papers subscribe LoRA size<=13B`): its
owner and team, where its alerts go (`slack_user:U…` for a DM, `slack:C…` for a
channel), the rule text as typed, when it is delivered, and whether it is paused. Its
rule name is `slack/<owner>/<name>`, unique, so it never collides with a file rule.
Feedback is one row per (user, paper, rule): the latest click wins.

Both tables are registered on the shared `metadata` (new databases get them from
`create_all`) and added to older ones by migration step 10.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    DateTime,
    Engine,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    case,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from mailer.core.errors import MailerError
from mailer.core.models import Paper
from mailer.store import codec
from mailer.store.messages import dialect_insert
from mailer.store.schema import metadata, outbox, papers

slack_subscriptions = Table(
    "slack_subscriptions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("rule_name", String(200), nullable=False, unique=True),  # slack/<owner>/<name>
    Column("team", String(40), nullable=False),
    Column("owner", String(40), nullable=False),
    Column("name", String(60), nullable=False),
    Column("target", String(200), nullable=False),  # slack_user:U… or slack:C…
    Column("rule_text", Text, nullable=False),  # the rule as typed: "LoRA size<=13B"
    Column("mode", String(10), nullable=False),  # immediate / daily
    Column("at", String(5), nullable=True),  # "09:00" for daily
    Column("timezone", String(64), nullable=False),
    Column("paused", Boolean, nullable=False, default=False),
    Column("created_at", DateTime, nullable=False),
    Column("changed_at", DateTime, nullable=False),
    Column("changed_by", String(40), nullable=False),
)

slack_feedback = Table(
    "slack_feedback",
    metadata,
    Column("user_id", String(40), primary_key=True),
    Column("paper_id", String(200), primary_key=True),
    Column("rule", String(200), primary_key=True),
    Column("vote", SmallInteger, nullable=False),  # +1 / -1
    Column("clicked_at", DateTime, nullable=False),
)


def add_slack_app_tables(conn: Connection) -> None:
    """Migration step 10: the subscriptions and feedback tables."""
    slack_subscriptions.create(conn, checkfirst=True)
    slack_feedback.create(conn, checkfirst=True)


class SubscriptionExists(MailerError):
    """A subscription of that name already exists for that owner."""


@dataclass(frozen=True, slots=True)
class Subscription:
    rule_name: str
    team: str
    owner: str
    name: str
    target: str
    rule_text: str
    mode: str
    at: str | None
    timezone: str
    paused: bool
    created_at: datetime
    changed_at: datetime
    changed_by: str


@dataclass(frozen=True, slots=True)
class FeedbackCount:
    rule: str
    up: int
    down: int


def _row_to_subscription(row: object) -> Subscription:
    m = row._mapping  # type: ignore[attr-defined]
    return Subscription(
        rule_name=m["rule_name"],
        team=m["team"],
        owner=m["owner"],
        name=m["name"],
        target=m["target"],
        rule_text=m["rule_text"],
        mode=m["mode"],
        at=m["at"],
        timezone=m["timezone"],
        paused=bool(m["paused"]),
        created_at=codec.from_db_time(m["created_at"]),  # type: ignore[arg-type]
        changed_at=codec.from_db_time(m["changed_at"]),  # type: ignore[arg-type]
        changed_by=m["changed_by"],
    )


_COLUMNS = [c for c in slack_subscriptions.c if c.name != "id"]


class SubscriptionStore:
    """Subscriptions and feedback in the state database (safe to share between threads)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- subscriptions ------------------------------------------------------------------

    def all(self) -> list[Subscription]:
        query = select(*_COLUMNS).order_by(slack_subscriptions.c.id)
        with self.engine.connect() as conn:
            return [_row_to_subscription(row) for row in conn.execute(query)]

    def of_owner(self, owner: str) -> list[Subscription]:
        query = (
            select(*_COLUMNS)
            .where(slack_subscriptions.c.owner == owner)
            .order_by(slack_subscriptions.c.id)
        )
        with self.engine.connect() as conn:
            return [_row_to_subscription(row) for row in conn.execute(query)]

    def get(self, rule_name: str) -> Subscription | None:
        query = select(*_COLUMNS).where(slack_subscriptions.c.rule_name == rule_name)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return _row_to_subscription(row) if row is not None else None

    def count_of_owner(self, owner: str) -> int:
        query = select(func.count()).where(slack_subscriptions.c.owner == owner)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar() or 0)

    def add(self, subscription: Subscription) -> None:
        """Insert; SubscriptionExists when the owner already has one of that name."""
        values = {c.name: getattr(subscription, c.name) for c in _COLUMNS}
        values["created_at"] = codec.to_db_time(subscription.created_at)
        values["changed_at"] = codec.to_db_time(subscription.changed_at)
        try:
            with self.engine.begin() as conn:
                conn.execute(slack_subscriptions.insert().values(**values))
        except IntegrityError as e:
            raise SubscriptionExists(subscription.rule_name) from e

    def change(
        self, rule_name: str, changed_at: datetime, changed_by: str, **fields: object
    ) -> bool:
        """Update some fields (rule_text, target, mode, at, timezone, paused)."""
        allowed = {"rule_text", "target", "mode", "at", "timezone", "paused"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"cannot change {sorted(unknown)}")
        query = (
            update(slack_subscriptions)
            .where(slack_subscriptions.c.rule_name == rule_name)
            .values(**fields, changed_at=codec.to_db_time(changed_at), changed_by=changed_by)
        )
        with self.engine.begin() as conn:
            return bool(conn.execute(query).rowcount)

    def remove(self, rule_name: str) -> bool:
        query = delete(slack_subscriptions).where(slack_subscriptions.c.rule_name == rule_name)
        with self.engine.begin() as conn:
            return bool(conn.execute(query).rowcount)

    def stamp(self) -> tuple[int, datetime | None]:
        """(count, latest change): differs after any add, edit or delete (reload check)."""
        query = select(func.count(), func.max(slack_subscriptions.c.changed_at))
        with self.engine.connect() as conn:
            count, latest = conn.execute(query).one()
        return int(count or 0), latest

    # -- what the subscriptions look at ------------------------------------------------

    def recent_papers(self, since: datetime, limit: int = 5000) -> list[Paper]:
        """Papers seen since `since`, newest first (what a preview matches against)."""
        query = (
            select(papers.c.data)
            .where(papers.c.last_seen >= codec.to_db_time(since))
            .order_by(papers.c.last_seen.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [codec.paper_from_json(data) for (data,) in conn.execute(query)]

    def alerted_targets(self, pairs: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which (paper_id, destination) pairs already have an alert, under any rule."""
        wanted = set(pairs)
        if not wanted:
            return set()
        paper_ids = sorted({paper for paper, _ in wanted})
        query = select(outbox.c.paper_id, outbox.c.destination).where(
            outbox.c.paper_id.in_(paper_ids)
        )
        with self.engine.connect() as conn:
            found = {(p, d) for p, d in conn.execute(query)}
        return found & wanted

    # -- feedback -----------------------------------------------------------------------

    def record_feedback(
        self, user_id: str, paper_id: str, rule: str, vote: int, at: datetime
    ) -> None:
        """One vote per (user, paper, rule); a later click (by `at`, the moment it was
        clicked) replaces an earlier one, whichever is stored first."""
        values = {
            "user_id": user_id[:40],
            "paper_id": paper_id[:200],
            "rule": rule[:200],
            "vote": 1 if vote > 0 else -1,
            "clicked_at": codec.to_db_time(at),
        }
        with self.engine.begin() as conn:
            statement = dialect_insert(conn, slack_feedback).values(**values)
            conn.execute(
                statement.on_conflict_do_update(
                    index_elements=["user_id", "paper_id", "rule"],
                    set_={"vote": values["vote"], "clicked_at": values["clicked_at"]},
                    where=slack_feedback.c.clicked_at <= values["clicked_at"],
                )
            )

    def feedback_counts(self) -> list[FeedbackCount]:
        """👍 and 👎 per rule, most clicked first."""
        up = func.sum(case((slack_feedback.c.vote > 0, 1), else_=0))
        down = func.sum(case((slack_feedback.c.vote < 0, 1), else_=0))
        query = select(slack_feedback.c.rule, up, down).group_by(slack_feedback.c.rule)
        with self.engine.connect() as conn:
            rows = [
                FeedbackCount(rule, int(u or 0), int(d or 0)) for rule, u, d in conn.execute(query)
            ]
        return sorted(rows, key=lambda c: (-(c.up + c.down), c.rule))

    def feedback_of(self, user_id: str) -> Sequence[tuple[str, str, int]]:
        query = select(
            slack_feedback.c.paper_id, slack_feedback.c.rule, slack_feedback.c.vote
        ).where(slack_feedback.c.user_id == user_id)
        with self.engine.connect() as conn:
            return [(p, r, int(v)) for p, r, v in conn.execute(query)]
