"""Delivery progress in the store (SQLite and PostgreSQL): what a Slack feed sent in
parts saved is read back by another process, is added to an older database by
migration step 3, and is pruned once stale."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from store_backends import state_url  # noqa: F401  (the parametrized fixture)

from mailer.store import Store, StoreProgress
from mailer.store.housekeeping import prune_state
from mailer.store.migrations import MIGRATIONS

T0 = datetime(2025, 10, 14, 9, 0, tzinfo=UTC)
# keys as the Slack channel builds them: long, with separators
KEY = "\x1f".join(
    ("slack", "http://127.0.0.1:1/api/|#papers", "small-llms", "team", "msg:" + "x" * 1500)
)


@pytest.fixture
def store(state_url: str) -> Iterator[Store]:  # noqa: F811
    opened = Store.open(state_url)
    yield opened
    opened.close()


def test_progress_saved_by_one_process_is_read_by_the_next(store: Store, state_url: str) -> None:  # noqa: F811
    progress = store.delivery_progress()
    assert progress.load(KEY) is None
    progress.save(KEY, {"sent": 1, "thread_ts": "1760432400.000200"})
    progress.save(KEY, {"sent": 2, "thread_ts": "1760432400.000200"})
    reopened = Store.open(state_url)
    try:
        assert reopened.delivery_progress().load(KEY) == {
            "sent": 2,
            "thread_ts": "1760432400.000200",
        }
        assert reopened.delivery_progress().load(KEY + "other") is None
        reopened.delivery_progress().clear(KEY)
    finally:
        reopened.close()
    assert progress.load(KEY) is None


def test_migration_step_3_adds_delivery_progress_to_an_older_database(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path}/old.db")
    with store.engine.begin() as conn:  # make it look like a version-2 database
        conn.execute(text("DROP TABLE delivery_progress"))
        conn.execute(text("DELETE FROM schema_version WHERE version >= 3"))
    assert store.upgrade() == len([m for m in MIGRATIONS if m.version >= 3])
    assert "delivery_progress" in inspect(store.engine).get_table_names()
    store.delivery_progress().save(KEY, {"sent": 1, "thread_ts": None})
    store.close()


def test_pruning_drops_progress_not_touched_since_the_cutoff(store: Store) -> None:
    StoreProgress(store.engine, clock=lambda: T0 - timedelta(days=40)).save(
        "stale", {"sent": 1, "thread_ts": "1.0"}
    )
    recent = StoreProgress(store.engine, clock=lambda: T0)
    recent.save("recent", {"sent": 1, "thread_ts": "2.0"})
    prune_state(store.engine, T0 - timedelta(days=30))
    assert recent.load("stale") is None
    assert recent.load("recent") == {"sent": 1, "thread_ts": "2.0"}
