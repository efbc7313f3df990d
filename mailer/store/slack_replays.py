"""Signed Slack requests already served, shared by every replica of `mailer serve`.

Bolt refuses a request whose timestamp is more than five minutes old; inside those five
minutes the same signed request sent twice is a replay. Replicas behind one Service must
refuse it wherever it lands, so the signatures seen live in the shared state database:
one row per request (the SHA-256 of its signature: fixed length, and no request text
kept), until its timestamp has aged past Bolt's window. Expired rows are removed as new
ones arrive.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import BigInteger, Column, Connection, Engine, String, Table, delete

from mailer.store.messages import dialect_insert
from mailer.store.schema import metadata

slack_request_signatures = Table(
    "slack_request_signatures",
    metadata,
    Column("digest", String(64), primary_key=True),  # sha256 hex of X-Slack-Signature
    Column("expires_at", BigInteger, nullable=False, index=True),  # Unix seconds
)


def add_slack_request_signatures_table(conn: Connection) -> None:
    """Migration step 12: the replay ledger of the Slack app."""
    slack_request_signatures.create(conn, checkfirst=True)


class SlackReplayLedger:
    """`is_replay(signature, expires_at, now)`: whether any replica has served it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def is_replay(self, signature: str, *, expires_at: int, now: int) -> bool:
        """Record the request; True when its signature was recorded before and has not
        expired (one statement: two replicas racing on one request, one wins)."""
        digest = hashlib.sha256(signature.encode("utf-8", "replace")).hexdigest()
        table = slack_request_signatures
        with self.engine.begin() as conn:
            conn.execute(delete(table).where(table.c.expires_at < now))
            statement = (
                dialect_insert(conn, table)
                .values(digest=digest, expires_at=expires_at)
                .on_conflict_do_nothing(index_elements=[table.c.digest])
                .returning(table.c.digest)  # rowcount is -1 here on PostgreSQL
            )
            return conn.execute(statement).first() is None
