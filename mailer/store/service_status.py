"""What the running service reports about itself, for `mailer status` in another process.

One row per key: "fetch:<source>" (latest fetch of a source), "rules" (latest rule or
config reload: ok, or the error that kept the previous rules), "service" (running or
stopped, with the pid). Details are product text: never a secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Boolean, Column, Connection, DateTime, Engine, String, Table, Text, select

from mailer.store import codec
from mailer.store.messages import dialect_insert
from mailer.store.schema import metadata

service_status = Table(
    "service_status",
    metadata,
    Column("key", String(300), primary_key=True),
    Column("ok", Boolean, nullable=False),
    Column("detail", Text, nullable=True),
    Column("updated_at", DateTime, nullable=False),
    Column("last_ok_at", DateTime, nullable=True),
)

MAX_DETAIL = 4000


def add_service_status_table(conn: Connection) -> None:
    """Migration step: create the table in a database made before it existed."""
    service_status.create(conn, checkfirst=True)


@dataclass(frozen=True, slots=True)
class StatusEntry:
    key: str
    ok: bool
    detail: str | None
    updated_at: datetime
    last_ok_at: datetime | None

    def to_json(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "detail": self.detail,
            "updated_at": self.updated_at.isoformat(),
            "last_ok_at": self.last_ok_at.isoformat() if self.last_ok_at else None,
        }


class ServiceStatusLog:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(self, key: str, ok: bool, detail: str | None, now: datetime) -> None:
        at = codec.to_db_time(now)
        detail = detail[:MAX_DETAIL] if detail else detail
        with self.engine.begin() as conn:
            insert = dialect_insert(conn, service_status).values(
                key=key, ok=ok, detail=detail, updated_at=at, last_ok_at=at if ok else None
            )
            changes: dict[str, object] = {"ok": ok, "detail": detail, "updated_at": at}
            if ok:
                changes["last_ok_at"] = at
            conn.execute(insert.on_conflict_do_update(index_elements=["key"], set_=changes))

    def entries(self, prefix: str = "") -> dict[str, StatusEntry]:
        query = select(service_status).where(service_status.c.key.startswith(prefix))
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(service_status.c.key)).mappings().all()
        result = {}
        for r in rows:
            updated = codec.from_db_time(r["updated_at"])
            assert updated is not None
            result[r["key"]] = StatusEntry(
                r["key"], bool(r["ok"]), r["detail"], updated, codec.from_db_time(r["last_ok_at"])
            )
        return result
