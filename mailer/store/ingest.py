"""Several messages recorded in one transaction (a `mailer run --once` backfill).

A commit per message was most of a backfill's store time: a disk flush each on SQLite
(`synchronous=FULL`), a WAL flush and round trips on PostgreSQL. `IngestBatch` holds
one connection and one transaction for a batch of already parsed messages. Every
store call the pipeline makes for a message (the planner's reads, `record_message`,
the quarantine log) goes through `IngestBatch.store`, a `Store` bound to that
connection, so a message sees what the earlier messages of the batch wrote (a paper
two digests share, a copy of the same Message-ID). Each message runs in its own
SAVEPOINT (`message()`): one that fails is rolled back alone and the others stay
(on a deadlock, PostgreSQL's victim, the caller runs it again, as `record_message` does).
Nothing is final before `commit()`; the caller runs the sources' `after_commit` (IMAP:
mark seen, move) only after it. A kill before the commit loses the whole batch, and the
next run reads it again: nothing was post-processed or delivered.

On SQLite the transaction starts with BEGIN IMMEDIATE: it takes the write lock before
the first read, so a write after reads never meets a snapshot another writer made
stale (SQLite does not wait on that one, it fails at once).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Connection, Engine

if TYPE_CHECKING:
    from mailer.store.db import Store


class BoundEngine:
    """An engine stand-in for the store's queries that hands out one open connection,
    in the batch's transaction: `connect()` and `begin()` give it as it is (the
    message's savepoint, `IngestBatch.message()`, is what rolls back a failure)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.dialect = conn.dialect
        self.url = conn.engine.url

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        yield self.conn

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        yield self.conn

    def dispose(self) -> None:  # the batch closes the connection, not the store over it
        pass

    def __getattr__(self, name: str) -> Any:
        return getattr(self.conn.engine, name)


class IngestBatch:
    """One transaction for several messages (see the module docstring)."""

    def __init__(self, engine: Engine, store_class: type[Store]) -> None:
        self._conn = engine.connect()
        try:
            if self._conn.dialect.name == "sqlite":
                self._conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                self._conn.begin()
        except Exception:
            self._conn.close()
            raise
        self.store = store_class(cast(Engine, BoundEngine(self._conn)))
        self.on_commit: list[Callable[[], None]] = []  # the caller's, run after commit()

    @contextmanager
    def message(self) -> Iterator[None]:
        """One message's reads and writes: rolled back alone when it raises."""
        with self._conn.begin_nested():
            yield

    def commit(self) -> None:
        self._conn.commit()

    def close(self) -> None:
        """Roll back what was not committed and give the connection back."""
        try:
            self._conn.rollback()
        finally:
            self._conn.close()
