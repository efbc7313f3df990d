"""Subscriptions and feedback in the store (migration 10), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect, select
from store_backends import state_url  # noqa: F401  (fixture)

from mailer.store import Store
from mailer.store.migrations import MIGRATIONS, upgrade
from mailer.store.slack_replays import SlackReplayLedger, slack_request_signatures
from mailer.store.subscriptions import Subscription, SubscriptionExists, SubscriptionStore

T0 = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def subscription(name: str, owner: str = "U0ALICE") -> Subscription:
    return Subscription(
        rule_name=f"slack/{owner}/{name}", team="T0", owner=owner, name=name,
        target=f"slack_user:{owner}", rule_text="LoRA size<=13B", mode="immediate", at=None,
        timezone="UTC", paused=False, created_at=T0, changed_at=T0, changed_by=owner,
    )  # fmt: skip


def test_subscriptions_and_feedback_round_trip(state_url: str) -> None:  # noqa: F811
    store = Store.open(state_url)
    book = SubscriptionStore(store.engine)
    try:
        book.add(subscription("lora"))
        with pytest.raises(SubscriptionExists):
            book.add(subscription("lora"))
        book.add(subscription("lora", owner="U0BOB"))  # names are per owner
        assert [s.rule_name for s in book.of_owner("U0ALICE")] == ["slack/U0ALICE/lora"]
        before = book.stamp()
        assert book.change("slack/U0ALICE/lora", T0 + timedelta(minutes=1), "U0ADMIN", paused=True)
        changed = book.get("slack/U0ALICE/lora")
        assert changed is not None
        assert changed.paused
        assert changed.changed_by == "U0ADMIN"
        assert book.stamp() != before, "a change is seen by other replicas' reload check"
        assert book.remove("slack/U0BOB/lora")
        assert book.count_of_owner("U0BOB") == 0

        book.record_feedback("U0ALICE", "arxiv:1", "r", 1, T0)
        book.record_feedback("U0ALICE", "arxiv:1", "r", -1, T0)  # the latest click wins
        book.record_feedback("U0BOB", "arxiv:1", "r", 1, T0)
        [count] = book.feedback_counts()
        assert (count.rule, count.up, count.down) == ("r", 1, 1)
    finally:
        store.close()


def test_an_older_database_gets_the_tables_by_migration_10(state_url: str) -> None:  # noqa: F811
    store = Store.open(state_url)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE slack_feedback")
        conn.exec_driver_sql("DROP TABLE slack_subscriptions")
        conn.exec_driver_sql("DELETE FROM schema_version WHERE version >= 10")
    applied = upgrade(store.engine)
    assert 10 in [m.version for m in applied]
    assert {"slack_subscriptions", "slack_feedback"} <= set(inspect(store.engine).get_table_names())
    assert MIGRATIONS[-1].version >= 10
    store.close()


def test_a_signed_request_is_served_once_by_all_replicas_until_it_expires(
    state_url: str,  # noqa: F811
) -> None:
    first, second = Store.open(state_url), Store.open(state_url)  # two replicas
    try:
        one, other = SlackReplayLedger(first.engine), SlackReplayLedger(second.engine)
        now = 1_800_000_000
        assert not one.is_replay("v0=abc", expires_at=now + 330, now=now)
        assert other.is_replay("v0=abc", expires_at=now + 330, now=now + 5)
        assert not other.is_replay("v0=def", expires_at=now + 330, now=now + 5)
        # past Bolt's window the row is gone (Bolt refuses such a request before us anyway)
        assert not one.is_replay("v0=abc", expires_at=now + 700, now=now + 400)
        with first.engine.connect() as conn:
            kept = conn.execute(select(slack_request_signatures.c.digest)).scalars().all()
        assert len(kept) == 1, "expired signatures are removed as new ones arrive"
        assert all(len(d) == 64 and "abc" not in d for d in kept)  # a digest, not the header
    finally:
        first.close()
        second.close()


def test_an_older_database_gets_the_replay_ledger_by_migration_12(
    state_url: str,  # noqa: F811
) -> None:
    store = Store.open(state_url)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE slack_request_signatures")
        conn.exec_driver_sql("DELETE FROM schema_version WHERE version >= 12")
    assert 12 in [m.version for m in upgrade(store.engine)]
    assert "slack_request_signatures" in inspect(store.engine).get_table_names()
    store.close()


def test_a_later_click_wins_whichever_is_stored_first(state_url: str) -> None:  # noqa: F811
    # Bolt runs listeners concurrently: 👍 then 👎 can reach the store in either order
    store = Store.open(state_url)
    book = SubscriptionStore(store.engine)
    try:
        book.record_feedback("U0ALICE", "arxiv:1", "r", -1, T0 + timedelta(seconds=1))
        book.record_feedback("U0ALICE", "arxiv:1", "r", 1, T0)  # clicked first, stored last
        assert book.feedback_of("U0ALICE") == [("arxiv:1", "r", -1)]
        book.record_feedback("U0ALICE", "arxiv:1", "r", 1, T0 + timedelta(seconds=2))
        assert book.feedback_of("U0ALICE") == [("arxiv:1", "r", 1)]
    finally:
        store.close()
