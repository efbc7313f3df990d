"""The `mailer serve` replicas sharing a state: who they are, their role, their heartbeat.

One row per running replica, keyed `host:pid` (the same prefix as the outbox worker's
claims). Each replica writes its row every `replicas.heartbeat_seconds` and deletes it
when it stops; a row whose heartbeat is old belongs to a replica that was killed or
cut off. `mailer status` lists the rows; the leader releases the outbox claims of
replicas gone that way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Float,
    Integer,
    String,
    Table,
    delete,
    select,
    update,
)

from mailer.store import codec
from mailer.store.messages import dialect_insert
from mailer.store.schema import metadata

LEADER = "leader"
STANDBY = "standby"
FORGET_AFTER = timedelta(days=1)  # a gone replica is listed this long, then forgotten

replicas = Table(
    "replicas",
    metadata,
    Column("replica", String(300), primary_key=True),  # host:pid
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("role", String(16), nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("heartbeat_at", DateTime, nullable=False),
    Column("leader_since", DateTime, nullable=True),
    Column("heartbeat_seconds", Float, nullable=False),
)


def add_replicas_table(conn: Connection) -> None:
    """Migration step: create the table in a database made before it existed."""
    replicas.create(conn, checkfirst=True)


@dataclass(frozen=True, slots=True)
class Replica:
    replica: str
    host: str
    pid: int
    role: str
    started_at: datetime
    heartbeat_at: datetime
    leader_since: datetime | None
    heartbeat_seconds: float

    def is_alive(self, now: datetime) -> bool:
        """Whether its heartbeat is recent: three missed heartbeats (and a few seconds
        for clocks that differ between machines) mean it is gone."""
        allowed = timedelta(seconds=3 * self.heartbeat_seconds + 5)
        return now - self.heartbeat_at <= allowed

    def to_json(self, now: datetime) -> dict[str, object]:
        return {
            "replica": self.replica,
            "host": self.host,
            "pid": self.pid,
            "role": self.role,
            "alive": self.is_alive(now),
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "last_heartbeat": self.heartbeat_at.isoformat(timespec="milliseconds"),
            "heartbeat_age_seconds": round((now - self.heartbeat_at).total_seconds(), 1),
            "leader_since": self.leader_since.isoformat(timespec="seconds")
            if self.leader_since
            else None,
        }


def record_heartbeat(conn: Connection, replica: Replica) -> None:
    """Insert or refresh this replica's row (the caller commits)."""
    values = {
        "replica": replica.replica,
        "host": replica.host,
        "pid": replica.pid,
        "role": replica.role,
        "started_at": codec.to_db_time(replica.started_at),
        "heartbeat_at": codec.to_db_time(replica.heartbeat_at),
        "leader_since": codec.to_db_time(replica.leader_since) if replica.leader_since else None,
        "heartbeat_seconds": replica.heartbeat_seconds,
    }
    changes = {k: v for k, v in values.items() if k not in ("replica", "started_at")}
    insert = dialect_insert(conn, replicas).values(**values)
    conn.execute(insert.on_conflict_do_update(index_elements=["replica"], set_=changes))


def mark_standby(conn: Connection, replica: str) -> None:
    conn.execute(
        update(replicas)
        .where(replicas.c.replica == replica)
        .values(role=STANDBY, leader_since=None)
    )


def remove_replica(conn: Connection, replica: str) -> None:
    conn.execute(delete(replicas).where(replicas.c.replica == replica))


def forget_old_replicas(conn: Connection, now: datetime) -> int:
    cutoff = codec.to_db_time(now - FORGET_AFTER)
    return conn.execute(delete(replicas).where(replicas.c.heartbeat_at < cutoff)).rowcount or 0


def list_replicas(conn: Connection) -> list[Replica]:
    """Every known replica, the leader first, then by host and pid."""
    rows = conn.execute(select(replicas)).mappings().all()
    found = []
    for r in rows:
        started, beat = codec.from_db_time(r["started_at"]), codec.from_db_time(r["heartbeat_at"])
        assert started is not None
        assert beat is not None
        found.append(
            Replica(
                replica=r["replica"],
                host=r["host"],
                pid=int(r["pid"]),
                role=r["role"],
                started_at=started,
                heartbeat_at=beat,
                leader_since=codec.from_db_time(r["leader_since"]),
                heartbeat_seconds=float(r["heartbeat_seconds"]),
            )
        )
    return sorted(found, key=lambda r: (r.role != LEADER, r.host, r.pid))
