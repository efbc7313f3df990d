"""Schema migrations: a `schema_version` table and ordered steps, run on start and by
`mailer db upgrade`.

A new database gets the current tables from `schema.metadata` and is stamped with the
latest version. An older database runs each step it has not recorded, in order, in one
transaction (versions are numbered per feature and may merge out of order: a database
at 10 still gets a 5 that arrives later). To change the schema: edit `schema.py` and append a step here that brings
an existing database to the same shape (e.g. `ALTER TABLE ... ADD COLUMN ...`).
On PostgreSQL an advisory lock, on SQLite `BEGIN IMMEDIATE`, lets several processes
start at once: one migrates, the others wait and find the schema current.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, inspect, select, text, update

from mailer.core.clock import utc_now
from mailer.store.canonical import add_canonical_records_table
from mailer.store.notices import add_notices_table
from mailer.store.paper_keys import add_paper_keys_and_alert_position
from mailer.store.progress import add_delivery_progress_table
from mailer.store.quarantine import add_quarantine_table
from mailer.store.replicas import add_replicas_table
from mailer.store.schema import RETRYING, metadata, outbox, schema_version
from mailer.store.search import add_paper_search
from mailer.store.service_status import add_service_status_table
from mailer.store.slack_replays import add_slack_request_signatures_table
from mailer.store.subscriptions import add_slack_app_tables

MIGRATION_LOCK = 0x6D61696C  # "mail": the advisory lock key for migrations on PostgreSQL


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    description: str
    apply: Callable[[Connection], None]


def _initial(conn: Connection) -> None:
    metadata.create_all(conn)


def _add_service_tables(conn: Connection) -> None:
    add_notices_table(conn)
    add_service_status_table(conn)


def rename_failed_to_retrying(conn: Connection) -> None:
    """Outbox rows that older versions stored as `failed` (a delivery attempt failed, it
    is tried again) take the state's own name, `retrying`, as `OutboxState` stores it."""
    conn.execute(update(outbox).where(outbox.c.state == "failed").values(state=RETRYING))


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "messages, papers, paper_sources, outbox", _initial),
    Migration(2, "notices, service_status (mailer serve)", _add_service_tables),
    Migration(
        3, "delivery_progress (Slack feeds resume after a restart)", add_delivery_progress_table
    ),
    Migration(4, "canonical_records (arXiv / Hugging Face cache)", add_canonical_records_table),
    Migration(
        5,
        "paper_keys (one paper without an arXiv id), outbox.position (digest order)",
        add_paper_keys_and_alert_position,
    ),
    Migration(7, "full-text search over papers (FTS5 / tsvector)", add_paper_search),
    Migration(8, "replicas (leader and standbys of mailer serve)", add_replicas_table),
    Migration(9, "quarantine (messages over their parse budget)", add_quarantine_table),
    Migration(10, "slack_subscriptions, slack_feedback (the Slack app)", add_slack_app_tables),
    Migration(11, "outbox state `failed` renamed `retrying`", rename_failed_to_retrying),
    Migration(
        12,
        "slack_request_signatures (replays refused by every replica)",
        add_slack_request_signatures_table,
    ),
)

LATEST = MIGRATIONS[-1].version


def applied_versions(conn: Connection) -> set[int]:
    """The steps recorded in `schema_version` (none before it exists)."""
    if not inspect(conn).has_table("schema_version"):
        return set()
    return {int(v) for v in conn.execute(select(schema_version.c.version)).scalars()}


def upgrade(engine: Engine, *, now: datetime | None = None) -> list[Migration]:
    """Bring the database to the latest schema; return the steps applied (none if current)."""
    stamp = (now or utc_now()).astimezone(UTC).replace(tzinfo=None)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        elif conn.dialect.name == "sqlite":
            # the write lock before reading the version (two processes starting on a new
            # file both created the tables and one failed), and the DDL inside the
            # transaction (the driver would run CREATE TABLE outside it)
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        done = applied_versions(conn)
        version = max(done, default=0)
        if version > LATEST:
            raise RuntimeError(
                f"the database schema is version {version}, newer than this mailer "
                f"(knows up to {LATEST}): upgrade paper-mailer"
            )
        if version == 0:
            metadata.create_all(conn)
            applied = list(MIGRATIONS)
        else:
            # every step not yet recorded, in order: steps are numbered by the branch
            # that wrote them, so a lower number may arrive after a higher one
            applied = [m for m in MIGRATIONS if m.version not in done]
            for migration in applied:
                migration.apply(conn)
        for migration in applied:
            conn.execute(
                schema_version.insert().values(
                    version=migration.version,
                    applied_at=stamp,
                    description=migration.description,
                )
            )
    return applied
