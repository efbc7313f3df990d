"""Leader and standbys: which `mailer serve` replica fetches and runs the schedules.

Only the leader fetches (IDLE watchers, polls), schedules the daily feeds, the silence
checks and housekeeping; every replica delivers from the outbox. On PostgreSQL the
replicas elect the leader (`mailer.runtime.election.LeaderElection`); SQLite stays
single-instance (a file lock, held by the service) and `SoleLeader` is always the
leader. Either records a heartbeat per replica in the `replicas` table for `mailer
status`, and the role in the metrics. `is_leader()` is what the fetch jobs ask before
each message.
"""

from __future__ import annotations

import itertools
import logging
import os
import socket
import threading
from datetime import datetime
from typing import Protocol

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from mailer.config.settings import ReplicaSettings
from mailer.core.clock import Clock
from mailer.core.timings import Timings
from mailer.runtime import metrics
from mailer.store import Store
from mailer.store.replicas import (
    LEADER,
    STANDBY,
    Replica,
    forget_old_replicas,
    list_replicas,
    record_heartbeat,
    remove_replica,
)

log = logging.getLogger(__name__)

STOP_JOIN_SECONDS = 2.0
SERVICE_TIMINGS = Timings()


_instances = itertools.count(1)


def replica_name() -> str:
    """`host:pid`, the same prefix as the outbox worker's claims (`host:pid-N` for
    the N-th service in one process, as in tests)."""
    n = next(_instances)
    return f"{socket.gethostname()}:{os.getpid()}" + (f"-{n}" if n > 1 else "")


class Leadership(Protocol):
    replica: str

    def start(self) -> None: ...
    def is_leader(self) -> bool: ...
    def expire(self) -> None: ...
    def problem(self) -> str | None: ...
    def stop(self) -> None: ...


def role_of(leadership: Leadership) -> str:
    return LEADER if leadership.is_leader() else STANDBY


def set_role_gauge(role: str) -> None:
    metrics.REPLICA_ROLE.labels(role=LEADER).set(1 if role == LEADER else 0)
    metrics.REPLICA_ROLE.labels(role=STANDBY).set(1 if role == STANDBY else 0)


class SoleLeader:
    """SQLite (one process per state, kept by the instance lock): always the leader; a
    thread records the heartbeat so `mailer status` lists it like a replica."""

    def __init__(
        self,
        engine: Engine,
        settings: ReplicaSettings,
        *,
        clock: Clock,
        timings: Timings = SERVICE_TIMINGS,
    ) -> None:
        self.replica = replica_name()
        self._engine = engine
        self._clock = clock
        # nobody to hand over to, so no hurry
        self._seconds = max(settings.heartbeat_seconds, timings.sole_heartbeat)
        self._started_at = clock()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)
        set_role_gauge(LEADER)

    def start(self) -> None:
        self._thread.start()

    def is_leader(self) -> bool:
        return True

    def expire(self) -> None:
        pass

    def problem(self) -> str | None:
        return None

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.ident is not None:  # a start-up that failed before start() left it
            self._thread.join(timeout=STOP_JOIN_SECONDS)
        try:
            with self._engine.begin() as connection:
                remove_replica(connection, self.replica)
        except SQLAlchemyError as e:
            log.debug("could not remove the replica row: %s", e)
        self._engine.dispose()

    def _run(self) -> None:
        while not self._stopping.is_set():
            now = self._clock()
            try:
                with self._engine.begin() as connection:
                    forget_old_replicas(connection, now)
                    record_heartbeat(
                        connection,
                        Replica(
                            replica=self.replica,
                            host=socket.gethostname(),
                            pid=os.getpid(),
                            role=LEADER,
                            started_at=self._started_at,
                            heartbeat_at=now,
                            leader_since=self._started_at,
                            heartbeat_seconds=self._seconds,
                        ),
                    )
            except SQLAlchemyError as e:
                log.warning("could not record the heartbeat: %s", first_line(e))
            self._stopping.wait(self._seconds)


def release_claims_of_gone_replicas(store: Store, now: datetime) -> int:
    """The leader's job: outbox claims held by replicas whose heartbeat stopped (killed
    on another machine, where the worker's own check of gone pids cannot see them) go
    back to the outbox now rather than when their lease runs out."""
    with store.engine.connect() as connection:
        gone = {r.replica for r in list_replicas(connection) if not r.is_alive(now)}
    if not gone:
        return 0
    claims = [c for c in store.active_claims(now) if c.worker in gone]
    released = store.release_claims(claims)
    if released:
        log.info("took over %d alert(s) from replicas that stopped sending heartbeats", released)
    return released


def first_line(error: BaseException) -> str:
    message = str(getattr(error, "orig", None) or error).strip()
    return message.splitlines()[0] if message else type(error).__name__
