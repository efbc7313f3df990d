"""Opening the store: the engine for SQLite or PostgreSQL, migrations on start.

`sqlite:///var/mailer.db` creates `var/` and runs in WAL mode with a busy timeout, so a
`mailer status` can read while `mailer serve` writes. `postgresql://...` uses the
psycopg (v3) driver; its connections show in `pg_stat_activity` as
`paper-mailer <pid>` (unless the URL names an `application_name`).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from mailer.core.errors import MailerError, UsageError
from mailer.store.canonical import CanonicalCache, DryRunCanonicalCache
from mailer.store.ingest import IngestBatch
from mailer.store.messages import MessageQueries
from mailer.store.migrations import upgrade
from mailer.store.outbox import OutboxQueries
from mailer.store.progress import StoreProgress
from mailer.store.reports import ReportQueries
from mailer.store.search import SearchQueries

SQLITE_BUSY_SECONDS = 30


class StoreError(UsageError):
    """The state database cannot be opened; the message says what to check."""


class DatabaseFailure(MailerError):
    """The state database failed in the middle of a command (a driver error the store
    did not handle): what was committed stays, so running again is safe. Exit 1."""

    @classmethod
    def wrapping(cls, error: SQLAlchemyError) -> DatabaseFailure:
        failure = cls(
            f"the state database failed: {describe_error(error)}; nothing is lost, run again"
        )
        failure.__cause__ = error
        return failure


def describe_error(error: BaseException) -> str:
    """One line for a database error: the driver's message, without the SQL, its
    parameters (they hold mail text) or SQLAlchemy's 'Background on this error' link."""
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _without_password(text: str, engine: Engine) -> str:
    """`text` with the password of the state URL masked, should a driver echo it."""
    password = engine.url.password
    return text.replace(str(password), "***") if password else text


def engine_url(state: str) -> str:
    """The SQLAlchemy URL for a `state:` setting (plain postgresql:// means psycopg v3)."""
    for prefix in ("postgresql://", "postgres://"):
        if state.startswith(prefix):
            return "postgresql+psycopg://" + state.removeprefix(prefix)
    return state


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
    _use_wal(cursor)
    # FULL: a commit survives a power cut too (NORMAL may lose the last ones, after an
    # IMAP message was already moved away as processed); writes here are few
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _snapshot_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _use_wal(cursor: Any) -> None:
    """Switch a new database file to WAL (it stays so). The switch needs the file to
    itself and SQLite does not wait for that: while another process creates the tables,
    try again until the busy timeout."""
    deadline = time.monotonic() + SQLITE_BUSY_SECONDS
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def application_name() -> str:
    """How this process's connections show in `pg_stat_activity` (which replica)."""
    return f"paper-mailer {os.getpid()}"


def create_store_engine(state: str) -> Engine:
    try:
        url = make_url(engine_url(state))
    except (ArgumentError, ValueError) as e:  # ValueError: e.g. a port that is not a number
        raise StoreError(  # the value is not echoed: it may hold a password
            "state: is not a database URL; expected sqlite:///path/to/file.db "
            "or postgresql://user@host:5432/dbname"
        ) from e
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            folder = Path(url.database).parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise StoreError(
                    f"state: cannot create the folder {folder} for the database: {e.strerror or e}"
                ) from e
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.get_backend_name() == "postgresql":
        named = {} if "application_name" in url.query else {"application_name": application_name()}
        return create_engine(
            url, pool_pre_ping=True, pool_size=5, max_overflow=5, connect_args=named
        )
    raise StoreError(f"state: {url.get_backend_name()} is not supported; use sqlite or postgresql")


class Store(MessageQueries, OutboxQueries, ReportQueries, SearchQueries):
    """The only place with SQL. Safe to share between threads (one engine, pooled)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, state: str, *, migrate: bool = True) -> Store:
        store = cls(create_store_engine(state))
        return store._upgraded() if migrate else store

    @classmethod
    def open_snapshot(cls, state: str) -> Store:
        """A store for a dry run, which must write nothing, not even a file: a SQLite
        state is copied into memory (a fresh one when the file does not exist yet) and
        brought up to date there; a PostgreSQL state is only read (it must be up to date:
        `mailer db upgrade`)."""
        url = make_url(engine_url(state))
        if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
            return cls.open(state, migrate=url.get_backend_name() == "sqlite")
        path = Path(url.database)

        def copy_into_memory() -> sqlite3.Connection:
            memory = sqlite3.connect(":memory:", check_same_thread=False)
            if path.exists():  # read-write only so that SQLite removes its WAL files at close;
                # a backup reads, it writes nothing to the file
                with contextlib.closing(
                    sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True)
                ) as disk:
                    disk.backup(memory)
            return memory

        try:
            engine = create_engine("sqlite://", creator=copy_into_memory, poolclass=StaticPool)
            event.listen(engine, "connect", _snapshot_pragmas)
        except (SQLAlchemyError, sqlite3.Error) as e:
            raise StoreError(f"cannot read the state database: {describe_error(e)}") from e
        return cls(engine)._upgraded()

    def _upgraded(self) -> Store:
        """This store with its migrations run; closed when they fail."""
        try:
            self.upgrade()
        except StoreError:
            self.close()
            raise
        return self

    def upgrade(self) -> int:
        """Run pending migrations; return how many were applied.

        StoreError when the database cannot be reached or its schema is newer than this
        mailer; the message never holds the password.
        """
        try:
            return len(upgrade(self.engine))
        except (SQLAlchemyError, RuntimeError) as e:
            reason = _without_password(describe_error(e), self.engine)
            raise StoreError(f"cannot open the state database: {reason}") from e

    def ingest_batch(self) -> IngestBatch:
        """One transaction for several messages (`mailer.store.ingest`); close() it."""
        return IngestBatch(self.engine, type(self))

    def delivery_progress(self) -> StoreProgress:
        """Where a channel that sends one batch in several messages records how far it got."""
        return StoreProgress(self.engine)

    def canonical_cache(self, *, dry_run: bool = False) -> CanonicalCache:
        """The cache of arXiv and Hugging Face records (mailer.enrich); a dry run's reads
        the store and writes nothing (a PostgreSQL state is not a copy)."""
        return DryRunCanonicalCache(self.engine) if dry_run else CanonicalCache(self.engine)

    def close(self) -> None:
        self.engine.dispose()
