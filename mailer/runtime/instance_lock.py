"""One `mailer serve` per SQLite state: a second instance refuses to start.

(On PostgreSQL several `mailer serve` replicas share the state: `mailer.runtime.leader` elects
the one that fetches, with the advisory lock key below. `AdvisoryLock` remains for
tools that want a PostgreSQL state to themselves.)

SQLite: an exclusive `flock` on `<db>.lock` next to the database file; the kernel
drops it when the process dies, so a crash never leaves a stale lock. PostgreSQL: a
session-level `pg_try_advisory_lock` held on a dedicated connection for the life of
the service. The lock goes away with that connection, so the service calls `verify()`
every few seconds: a dropped connection (database restart, idle-session timeout,
network cut) is replaced and the lock taken again; if another instance took it in
the meantime, `verify()` raises `LockLostError` and the service stops. Error messages
never show a password.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
from pathlib import Path
from typing import Protocol

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from mailer.core.errors import MailerError, UsageError

log = logging.getLogger(__name__)

LOCK_NAMESPACE = "paper-mailer serve"
# libpq options for the lock connection: a dead peer is noticed in seconds, not after
# the kernel's 15-minute retransmission timeout, so verify() never hangs a stop.
LOCK_CONNECT_ARGS = {
    "connect_timeout": 5,
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
    "tcp_user_timeout": 10_000,
}


def advisory_lock_key(database: str, schema: str) -> int:
    """A signed 64-bit key per (database, schema): advisory locks are per database, and
    two deployments may keep their state in two schemas of one database."""
    digest = hashlib.sha256(f"{LOCK_NAMESPACE}:{database}:{schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class AlreadyRunningError(UsageError):
    """Another instance holds the state; the message says which and what to do."""


class LockLostError(MailerError):
    """The lock was lost (its connection dropped) and another instance holds it now."""


class InstanceLock(Protocol):
    def verify(self) -> bool:
        """True while held; False when it cannot be checked right now (try again);
        raises LockLostError when another instance took it."""
        ...

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
                f"another mailer serve or watch is already running against this state{who}: "
                f"{path} is locked. Stop it first, or point --config at another state. "
                "Several replicas need a PostgreSQL state (state: postgresql://...; "
                "see docs/deploy.md)."
            ) from e
        os.ftruncate(self._fd, 0)
        os.write(self._fd, f"{os.getpid()}\n".encode())

    def verify(self) -> bool:
        return self._fd >= 0  # a flock lasts as long as the descriptor

    def release(self) -> None:
        if self._fd >= 0:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = -1


class AdvisoryLock:
    def __init__(self, url: str) -> None:
        self._shown = make_url(url).render_as_string(hide_password=True)
        self._engine = create_engine(
            url, pool_size=1, max_overflow=0, connect_args=dict(LOCK_CONNECT_ARGS)
        )
        self._connection: Connection | None = self._engine.connect()
        database, schema = self._connection.execute(
            text("SELECT current_database(), current_schema()")
        ).one()
        self.schema = str(schema)
        self.key = advisory_lock_key(str(database), self.schema)
        if not self._try_lock():
            self.release()
            raise AlreadyRunningError(
                f"another mailer serve or watch is already running against {self._shown} "
                f"(schema {self.schema}; it holds PostgreSQL advisory lock {self.key}). "
                "Stop it first."
            )

    def _try_lock(self) -> bool:
        assert self._connection is not None
        held = self._connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}
        ).scalar()
        self._connection.commit()  # the lock is session-level; do not sit in a transaction
        return bool(held)

    def _is_held(self) -> bool:
        """Whether this connection's session still holds the lock (raises when dead)."""
        assert self._connection is not None
        held = self._connection.execute(
            text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND pid = pg_backend_pid()"
            )
        ).scalar()
        self._connection.commit()
        return bool(held)

    def verify(self) -> bool:
        if self._connection is not None:
            try:
                if self._is_held():
                    return True
            except SQLAlchemyError as e:
                log.warning("instance lock: its connection dropped (%s)", _first_line(e))
            self._drop_connection()
        try:
            self._connection = self._engine.connect()
            held = self._try_lock()
        except SQLAlchemyError as e:
            self._drop_connection()
            log.warning("instance lock: cannot take it again yet (%s)", _first_line(e))
            return False
        if not held:
            self._drop_connection()
            raise LockLostError(
                f"lost the instance lock on {self._shown} (schema {self.schema}): its "
                "connection dropped and another mailer serve holds it now"
            )
        log.warning("instance lock: taken again on a new connection")
        return True

    def _drop_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.invalidate()
                connection.close()
            except SQLAlchemyError:
                pass

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


def is_state_locked(state_url: str) -> bool | None:
    """Whether a `mailer serve` holds this state now, without taking its place (for
    `mailer status` in another process); None when it cannot be told."""
    try:
        database = sqlite_path(state_url)
        if database is not None:
            return _is_file_locked(database.with_name(database.name + ".lock"))
        if make_url(state_url).drivername.startswith("postgresql"):
            return _is_advisory_locked(_with_psycopg(state_url))
    except (OSError, SQLAlchemyError):
        return None
    return None


def _is_file_locked(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # also drops the shared lock if it was taken
    return False


def _is_advisory_locked(url: str) -> bool:
    engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            database, schema = conn.execute(
                text("SELECT current_database(), current_schema()")
            ).one()
            key = advisory_lock_key(str(database), str(schema))
            free = conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar()
            if free:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
            conn.commit()
    finally:
        engine.dispose()
    return not free


def acquire_instance_lock(state_url: str) -> InstanceLock:
    """Lock the state for this process, or raise AlreadyRunningError."""
    database = sqlite_path(state_url)
    if database is not None:
        return FileLock(database.with_name(database.name + ".lock"))
    if make_url(state_url).drivername.startswith("postgresql"):
        return AdvisoryLock(_with_psycopg(state_url))
    return _NoLock()


class _NoLock:
    def verify(self) -> bool:
        return True

    def release(self) -> None:
        pass


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def is_shared_state(state_url: str) -> bool:
    """Whether several `mailer serve` replicas can share this state (PostgreSQL)."""
    try:
        return make_url(state_url).drivername.startswith("postgres")
    except Exception:  # noqa: BLE001 bulkhead: not a URL: the store reports that with a clear message
        return False


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
