"""The leader election among `mailer serve` replicas on PostgreSQL (see `mailer.runtime.leader`).

On PostgreSQL any number of replicas share one state. The leader is the one whose
dedicated connection holds a session-level advisory lock (the key of the state's
database and schema); only the leader fetches (IDLE watchers, polls), schedules the
daily feeds and the silence checks. Every replica delivers from the outbox.

Each `replicas.heartbeat_seconds` a thread per replica, on that connection:
- the leader checks that its session still holds the lock; a failed check or a
  failed connection steps it down at once;
- a standby tries to take the lock. When it gets it while another replica's row still
  says "leader" with a recent heartbeat (that one was killed, or is cut off), it waits
  `handover_seconds` before leading: a leader cut off from the database notices within
  one heartbeat, and a leader whose check cannot even get an answer stops counting
  itself the leader `session_timeout_seconds` after its last good check. That is also
  the earliest PostgreSQL can end its idle lock session (`idle_session_timeout`),
  which is what frees the lock of a frozen process;
- the replica records its heartbeat in the `replicas` table (`mailer status`).

`is_leader()` is what the fetch jobs ask before each message. Leadership changes are
logged once on each side.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from mailer.config.settings import ReplicaSettings
from mailer.core.clock import Clock
from mailer.runtime import metrics
from mailer.runtime.instance_lock import LOCK_CONNECT_ARGS, advisory_lock_key
from mailer.runtime.leader import first_line, replica_name, set_role_gauge
from mailer.store.db import application_name
from mailer.store.replicas import (
    LEADER,
    STANDBY,
    Replica,
    forget_old_replicas,
    list_replicas,
    mark_standby,
    record_heartbeat,
    remove_replica,
)

log = logging.getLogger(__name__)

RECENT_LEADER = timedelta(seconds=60)  # a leader row this fresh may still be fetching
STOP_JOIN_SECONDS = 2.0


class LeaderElection:
    """One replica's part in the election on PostgreSQL (see the module docstring)."""

    def __init__(
        self,
        url: str,
        settings: ReplicaSettings,
        *,
        on_change: Callable[[], object],
        clock: Clock,
    ) -> None:
        self.replica = replica_name()
        self.settings = settings
        self._on_change = on_change
        self._clock = clock
        self._engine: Engine = create_engine(
            url,
            poolclass=NullPool,
            connect_args={**LOCK_CONNECT_ARGS, "application_name": application_name()},
        )
        self._connection: Connection | None = None
        self._key: int | None = None
        self._mutex = threading.Lock()
        self._leading = False
        self._valid_until = 0.0  # monotonic: no longer the leader after this
        self._candidate_since: float | None = None  # holds the lock, waiting to lead
        self._quiet_until = 0.0
        self._previous: Replica | None = (
            None  # the leader before, seen when taking the lock  # monotonic: a leader that stepped down lets others go first
        )
        self._leader_since: datetime | None = None
        self._started_at = clock()
        self._problem: str | None = None
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="leadership", daemon=True)
        set_role_gauge(STANDBY)

    # -- what the service asks ----------------------------------------------------------

    def start(self) -> None:
        log.info("replica %s: starting as a standby", self.replica)
        self._thread.start()

    def is_leader(self) -> bool:
        with self._mutex:
            return self._leading and time.monotonic() < self._valid_until

    def expire(self) -> None:
        """Step down if the last good check is too old (the thread may hang on a read)."""
        with self._mutex:
            expired = self._leading and time.monotonic() >= self._valid_until
        if expired:
            seconds = self.settings.session_timeout_seconds
            self._step_down(f"no answer from the database for about {seconds:.0f}s")

    def problem(self) -> str | None:
        return self._problem

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.ident is not None:  # a start-up that failed before start() left it
            self._thread.join(timeout=STOP_JOIN_SECONDS)
        with self._mutex:
            was_leading, self._leading = self._leading, False
        if was_leading:
            log.info("replica %s: stepped down as the leader: stopping", self.replica)
            set_role_gauge(STANDBY)
        if not self._thread.is_alive() and self._connection is not None:
            try:  # gone from the list, and the lock free for a standby right now
                remove_replica(self._connection, self.replica)
                self._connection.execute(text("SELECT pg_advisory_unlock_all()"))
                self._connection.commit()
            except SQLAlchemyError as e:
                log.debug("could not remove the replica row: %s", e)
            self._drop_connection()
        self._engine.dispose()

    # -- the thread ---------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                wait = self._turn()
            except Exception:  # a bug here must not end the election for this replica
                log.exception("leadership check failed")
                self._drop_connection()
                self._step_down("its leadership check failed")
                wait = self.settings.heartbeat_seconds
            self._stopping.wait(wait)

    def _turn(self) -> float:
        """One check; returns the seconds until the next."""
        started = time.monotonic()
        heartbeat = self.settings.heartbeat_seconds
        try:
            connection = self._connect()
            if self._leading:
                self._check_lead(connection, started)
            elif self._candidate_since is not None:
                self._check_candidacy(connection, started)
            elif started >= self._quiet_until and self._try_lock(connection):
                self._previous = self._recent_leader(connection)
                if self._previous is not None:
                    self._candidate_since = started
                    log.info(
                        "replica %s: took the leader lock; leading in %gs, once the "
                        "previous leader has surely stopped fetching",
                        self.replica,
                        self.settings.handover_seconds,
                    )
                else:
                    self._become_leader(connection, started)
            self._heartbeat(connection)
        except _Reconnect:
            return heartbeat
        except SQLAlchemyError as e:
            self._drop_connection()
            self._candidate_since = None
            self._step_down(f"its database connection failed ({first_line(e)})")
            if self._problem is None:
                log.warning(
                    "replica %s: cannot reach the database (%s); trying again every %gs",
                    self.replica,
                    first_line(e),
                    heartbeat,
                )
            self._problem = "database: cannot reach it for the leader election"
            return heartbeat
        if self._problem is not None:
            log.info("replica %s: the database answers again", self.replica)
            self._problem = None
        if self._candidate_since is not None:
            left = self._candidate_since + self.settings.handover_seconds - time.monotonic()
            return max(0.05, min(heartbeat, left))
        return heartbeat

    def _connect(self) -> Connection:
        if self._connection is None:
            connection = self._engine.connect()
            try:
                database, schema = connection.execute(
                    text("SELECT current_database(), current_schema()")
                ).one()
                self._key = advisory_lock_key(str(database), str(schema))
                timeout_ms = str(int(self.settings.session_timeout_seconds * 1000))
                for name in ("idle_session_timeout", "statement_timeout"):
                    connection.execute(
                        text("SELECT set_config(:name, :value, false)"),
                        {"name": name, "value": timeout_ms},
                    )
                connection.commit()
            except SQLAlchemyError:
                connection.invalidate()
                connection.close()
                raise
            self._connection = connection
        return self._connection

    def _try_lock(self, connection: Connection) -> bool:
        taken = connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}
        ).scalar()
        connection.commit()  # session-level lock: never sit in a transaction
        return bool(taken)

    def _holds_lock(self, connection: Connection) -> bool:
        held = connection.execute(
            text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND pid = pg_backend_pid()"
            )
        ).scalar()
        connection.commit()
        return bool(held)

    def _check_lead(self, connection: Connection, started: float) -> None:
        if not self._holds_lock(connection):
            self._drop_connection()
            self._step_down("its lock is gone (its database session was ended)")
            raise _Reconnect()
        with self._mutex:
            if self._leading:
                self._valid_until = started + self._lead_seconds()
                return
        # expired while this check waited for its answer: let go of the lock too
        self._drop_connection()
        raise _Reconnect()

    def _check_candidacy(self, connection: Connection, started: float) -> None:
        assert self._candidate_since is not None
        if not self._holds_lock(connection):
            self._candidate_since = None
            self._drop_connection()
            raise _Reconnect()
        if started - self._candidate_since >= self.settings.handover_seconds:
            self._become_leader(connection, started)

    def _lead_seconds(self) -> float:
        """How long one good check, counted from before it was sent, keeps this replica
        the leader: PostgreSQL cannot end the session (freeing the lock) sooner, and a
        standby that then takes the lock still waits `handover_seconds`."""
        return self.settings.session_timeout_seconds

    def _recent_leader(self, connection: Connection) -> Replica | None:
        """Another replica that was leading until moments ago (it may still be fetching,
        cut off from the database): then a handover is needed."""
        now = self._clock()
        return next(
            (
                r
                for r in list_replicas(connection)
                if r.role == LEADER
                and r.replica != self.replica
                and now - r.heartbeat_at < RECENT_LEADER
            ),
            None,
        )

    def _become_leader(self, connection: Connection, started: float) -> None:
        now = self._clock()
        previous = [
            r for r in list_replicas(connection) if r.role == LEADER and r.replica != self.replica
        ]
        for replica in previous:  # it lost the lock: it is no leader, alive or not
            mark_standby(connection, replica.replica)
        forget_old_replicas(connection, now)
        connection.commit()
        with self._mutex:
            self._leading = True
            self._valid_until = started + self._lead_seconds()
            self._leader_since = now
            self._candidate_since = None
        last = self._previous or (previous[0] if previous else None)
        self._previous = None
        if last is not None:
            age = (now - last.heartbeat_at).total_seconds()
            before = f"took over from {last.replica}, last heartbeat {age:.1f}s ago"
        else:
            before = "no other replica was leading"
        # a takeover is news for whoever watches the logs; leading from the start is not
        level = logging.WARNING if last is not None else logging.INFO
        log.log(level, "replica %s: now the leader (%s)", self.replica, before)
        metrics.LEADERSHIP_CHANGES.labels(to=LEADER).inc()
        set_role_gauge(LEADER)
        self._on_change()

    def _step_down(self, reason: str) -> None:
        with self._mutex:
            was_leading, self._leading = self._leading, False
            self._valid_until = 0.0
            self._leader_since = None
        if not was_leading:
            return
        # its connection just failed: a healthy standby should win the next election
        self._quiet_until = time.monotonic() + self.settings.handover_seconds
        log.warning(
            "replica %s: stepped down as the leader, now a standby: %s", self.replica, reason
        )
        metrics.LEADERSHIP_CHANGES.labels(to=STANDBY).inc()
        set_role_gauge(STANDBY)
        self._on_change()

    def _heartbeat(self, connection: Connection) -> None:
        leading = self.is_leader()
        record_heartbeat(
            connection,
            Replica(
                replica=self.replica,
                host=socket.gethostname(),
                pid=os.getpid(),
                role=LEADER if leading else STANDBY,
                started_at=self._started_at,
                heartbeat_at=self._clock(),
                leader_since=self._leader_since if leading else None,
                heartbeat_seconds=self.settings.heartbeat_seconds,
            ),
        )
        connection.commit()

    def _drop_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.invalidate()
                connection.close()
            except SQLAlchemyError:
                pass


class _Reconnect(SQLAlchemyError):
    """The lock connection was let go on purpose: start over on a new one."""
