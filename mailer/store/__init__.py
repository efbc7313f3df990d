"""The store: the only SQL in the product (SQLAlchemy Core, SQLite or PostgreSQL).

Processed messages, papers with their sources, and the alert outbox. `Store.open(url)`
runs migrations; `Store` implements `mailer.sources.SourceState`.
"""

from mailer.core.models import NewAlert
from mailer.store.db import Store, StoreError, describe_error, engine_url
from mailer.store.messages import MessageRecord, StoredMessage, message_key
from mailer.store.outbox import ClaimedAlert, OutboxEntry, OutboxGroup
from mailer.store.progress import StoreProgress

__all__ = [
    "ClaimedAlert",
    "MessageRecord",
    "NewAlert",
    "OutboxEntry",
    "OutboxGroup",
    "Store",
    "StoreError",
    "StoreProgress",
    "StoredMessage",
    "describe_error",
    "engine_url",
    "message_key",
]
