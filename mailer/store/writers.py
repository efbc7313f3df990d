"""One writer at a time per SQLite database, among this process's threads.

SQLite lets one connection write at a time; another that wants to write waits in its
busy handler, which sleeps and polls (1, 2, 5, 10 ... 100 ms), and a transaction that
read before it writes fails at once when another writer got in between. `mailer run
--once` delivers a committed batch in one thread while it records the next in another:
both writers would meet that sleep over and over. Taking this lock before such a
write transaction makes them queue in the process instead, each starting the moment
the other commits. Other processes still meet SQLite's own lock (and its wait);
PostgreSQL needs no lock here (rows are locked, not the database).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from weakref import WeakKeyDictionary

from sqlalchemy import Engine

_LOCKS: WeakKeyDictionary[Engine, threading.RLock] = WeakKeyDictionary()
_GUARD = threading.Lock()


@contextmanager
def one_writer(engine: Engine) -> Iterator[None]:
    """Held around a write transaction on `engine` (a no-op unless it is SQLite)."""
    if engine.dialect.name != "sqlite":
        yield
        return
    with _GUARD:
        lock = _LOCKS.setdefault(engine, threading.RLock())
    with lock:
        yield
