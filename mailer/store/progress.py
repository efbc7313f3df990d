"""How far a delivery sent in several messages got, kept in the store.

A Slack feed too long for one message goes out as a parent post and replies in its
thread; after each part the channel saves its state (parts sent, the parent's
`thread_ts`) under a key naming the channel and the batch. Kept here rather than in
the process, a retry after a restart or on another replica posts only the parts that
are missing, in the same thread. The channel deletes the row when the feed is
complete; rows left by a feed that went dead are pruned by housekeeping.

`StoreProgress` implements `mailer.notify.slack.DeliveryProgress`. The table is
registered on the shared `metadata` (new databases get it from `create_all`) and added
to older ones by migration step 3.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Connection, DateTime, Engine, String, Table, Text, delete, select

from mailer.core.clock import utc_now
from mailer.store import codec
from mailer.store.messages import dialect_insert
from mailer.store.schema import metadata

delivery_progress = Table(
    "delivery_progress",
    metadata,
    # keys hold a batch key, a destination and a channel URL: too long for an index,
    # so rows are found by the key's hash
    Column("key_hash", String(64), primary_key=True),
    Column("key", Text, nullable=False),
    Column("state", Text, nullable=False),  # the channel's state as JSON
    Column("updated_at", DateTime, nullable=False),
)


def add_delivery_progress_table(conn: Connection) -> None:
    """Migration step: create the table in a database made before it existed."""
    delivery_progress.create(conn, checkfirst=True)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class StoreProgress:
    """Delivery progress by key, in the state database (safe to share between threads)."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utc_now) -> None:
        self.engine = engine
        self.clock = clock

    def load(self, key: str) -> dict[str, Any] | None:
        query = select(delivery_progress.c.state).where(delivery_progress.c.key_hash == _hash(key))
        with self.engine.connect() as conn:
            text = conn.execute(query).scalar()
        if text is None:
            return None
        state = json.loads(text)
        return state if isinstance(state, dict) else None

    def save(self, key: str, state: dict[str, Any]) -> None:
        values = {
            "state": json.dumps(state, sort_keys=True),
            "updated_at": codec.to_db_time(self.clock()),
        }
        with self.engine.begin() as conn:
            conn.execute(
                dialect_insert(conn, delivery_progress)
                .values(key_hash=_hash(key), key=key.replace("\x00", ""), **values)
                .on_conflict_do_update(index_elements=["key_hash"], set_=values)
            )

    def clear(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                delete(delivery_progress).where(delivery_progress.c.key_hash == _hash(key))
            )
