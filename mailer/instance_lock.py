"""One `mailer serve` per state: a second instance refuses to start.

SQLite: an exclusive `flock` on `<db>.lock` next to the database file; the kernel
drops it when the process dies, so a crash never leaves a stale lock. PostgreSQL: a
session-level `pg_try_advisory_lock` held on a dedicated connection for the life of
the service (it goes away with the connection). Error messages never show a password.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from pathlib import Path
from typing import Protocol

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, make_url

LOCK_NAMESPACE = "paper-mailer serve"


def advisory_lock_key(database: str, schema: str) -> int:
    """A signed 64-bit key per (database, schema): advisory locks are per database, and
    two deployments may keep their state in two schemas of one database."""
    digest = hashlib.sha256(f"{LOCK_NAMESPACE}:{database}:{schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class AlreadyRunningError(Exception):
    """Another instance holds the state; the message says which and what to do."""


class InstanceLock(Protocol):
    def release(self) -> None: ...


class FileLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as e:
            holder = _read_pid(self._fd)
            os.close(self._fd)
            who = f" (pid {holder})" if holder else ""
            raise AlreadyRunningError(
                f"another mailer serve is already running against this state{who}: "
                f"{path} is locked. Stop it first, or point --config at another state."
            ) from e
        os.ftruncate(self._fd, 0)
        os.write(self._fd, f"{os.getpid()}\n".encode())

    def release(self) -> None:
        if self._fd >= 0:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = -1


class AdvisoryLock:
    def __init__(self, url: str) -> None:
        shown = make_url(url).render_as_string(hide_password=True)
        self._engine = create_engine(url, pool_size=1, max_overflow=0)
        self._connection: Connection | None = self._engine.connect()
        database, schema = self._connection.execute(
            text("SELECT current_database(), current_schema()")
        ).one()
        key = advisory_lock_key(str(database), str(schema))
        held = self._connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": key}
        ).scalar()
        self._connection.commit()  # the lock is session-level; do not sit in a transaction
        if not held:
            self.release()
            raise AlreadyRunningError(
                f"another mailer serve is already running against {shown} "
                f"(schema {schema}; it holds PostgreSQL advisory lock {key}). Stop it first."
            )

    def release(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
            self._engine.dispose()


def sqlite_path(url: str) -> Path | None:
    """The database file of a `sqlite:///...` URL; None for in-memory or other drivers."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite"):
        return None
    if not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def acquire_instance_lock(state_url: str) -> InstanceLock:
    """Lock the state for this process, or raise AlreadyRunningError."""
    database = sqlite_path(state_url)
    if database is not None:
        return FileLock(database.with_name(database.name + ".lock"))
    if make_url(state_url).drivername.startswith("postgresql"):
        return AdvisoryLock(_with_psycopg(state_url))
    return _NoLock()


class _NoLock:
    def release(self) -> None:
        pass


def _with_psycopg(url: str) -> str:
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _read_pid(fd: int) -> str | None:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        text_ = os.read(fd, 32).decode().strip()
    except OSError:
        return None
    return text_ if text_.isdigit() else None
