"""Outbox states and message statuses are enums whose stored values are their names: a
retried alert is stored, printed (text and --json) and counted in `mailer_outbox_depth`
as `retrying`. Older versions stored `failed`; migration 11 renames it, on SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from store_backends import postgres_schema_url, state_url  # noqa: F401  (fixtures)

from mailer.core.keys import BatchKey, Claim
from mailer.core.models import MatchReason, MessageStatus, OutboxState, Paper
from mailer.store import MessageRecord, NewAlert, Store
from mailer.store.migrations import LATEST
from mailer.store.schema import outbox, schema_version

T0 = datetime(2025, 10, 14, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=10)


def worker(name: str) -> Claim:
    """A claim of the outbox worker `name` (a host name here)."""
    return Claim(name, 1, "t")


WHY = (MatchReason("term", "*LoRA* in abstract", field="abstract", term="LoRA"),)


def _paper(n: int) -> Paper:
    return Paper(id=f"arxiv:2510.{n:05d}", title=f"Paper {n}", format="hf-daily")


def _record(store: Store, n: int) -> None:
    p = _paper(n)
    store.record_message(
        MessageRecord("inbox", "INBOX", 7, str(n), MessageStatus.PARSED, T0),
        [p],
        [NewAlert("small-llms", p.id, "team", BatchKey.parse(f"msg:{n}"), due_at=T0, reasons=WHY)],
    )


def _stored_states(store: Store) -> list[str]:
    with store.engine.connect() as conn:
        return sorted(conn.execute(select(outbox.c.state)).scalars())


def test_the_stored_values_are_the_names() -> None:
    for state in OutboxState:
        assert state.value == state.name.lower()
    for status in MessageStatus:
        assert status.value == status.name.lower().replace("_", "-")


def test_a_retried_alert_is_stored_and_counted_as_retrying(state_url: str) -> None:  # noqa: F811
    store = Store.open(state_url)
    try:
        _record(store, 1)
        [claimed] = store.claim_next_batch(T0, worker("w"), LEASE)
        store.mark_retry([claimed.id], "HTTP 500", T0 + timedelta(seconds=30))
        assert _stored_states(store) == ["retrying"]
        assert store.outbox_counts()[OutboxState.RETRYING] == 1
        [entry] = store.list_outbox()
        assert entry.state is OutboxState.RETRYING
    finally:
        store.close()


def test_an_old_database_with_failed_alerts_upgrades_to_retrying(state_url: str) -> None:  # noqa: F811
    store = Store.open(state_url)
    try:
        for n in (1, 2, 3):
            _record(store, n)
        [first] = store.claim_next_batch(T0, worker("w"), LEASE)
        store.mark_retry([first.id], "HTTP 500", T0 + timedelta(seconds=30))
        [second] = store.claim_next_batch(T0, worker("w"), LEASE)
        store.mark_dead([second.id], "channel_not_found")
        # what a version-10 mailer left behind: `failed` for a retried alert, no step 11
        with store.engine.begin() as conn:
            conn.execute(update(outbox).where(outbox.c.state == "retrying").values(state="failed"))
            conn.execute(delete(schema_version).where(schema_version.c.version == 11))
        assert _stored_states(store) == ["dead", "failed", "pending"]
    finally:
        store.close()

    upgraded = Store.open(state_url)
    try:
        assert _stored_states(upgraded) == ["dead", "pending", "retrying"]
        with upgraded.engine.connect() as conn:
            versions = set(conn.execute(select(schema_version.c.version)).scalars())
        assert LATEST in versions
        assert 11 in versions
        assert upgraded.outbox_counts() == {"pending": 1, "retrying": 1, "sent": 0, "dead": 1}
        # the renamed alert is still retried when its time comes
        [again] = upgraded.claim_next_batch(T0 + timedelta(seconds=31), worker("w"), LEASE)
        assert again.id == first.id
        assert again.attempts == 1
        assert upgraded.upgrade() == 0, "the step ran once"
    finally:
        upgraded.close()


def test_status_text_and_json_come_from_one_report_and_say_retrying(
    state_url: str,  # noqa: F811
) -> None:
    from mailer.commands.outbox_view import entry_json, format_entry
    from mailer.config.settings import Settings
    from mailer.runtime.status_report import collect_status

    store = Store.open(state_url)
    try:
        _record(store, 1)
        _record(store, 2)
        [claimed] = store.claim_next_batch(T0, worker("w"), LEASE)
        store.mark_retry([claimed.id], "HTTP 500", T0 + timedelta(seconds=30))
        report = collect_status(store, Settings(state=state_url), T0)
        data = report.to_json()
        assert data["outbox"] == {"pending": 1, "retrying": 1, "sent": 0, "dead": 0}
        assert data["rules"] == {"small-llms": {"pending": 1, "retrying": 1}}
        text = "\n".join(report.lines())
        assert "outbox: 1 pending, 1 retrying, 0 dead, 0 sent" in text
        assert "small-llms: 1 pending, 1 retrying" in text
        retried = next(e for e in store.list_outbox() if e.id == claimed.id)
        assert entry_json(retried, "UTC")["state"] == "retrying"
        assert format_entry(retried, "UTC", T0).startswith(f"#{claimed.id} retrying ")
    finally:
        store.close()


def test_the_outbox_depth_metric_counts_retrying_alerts_under_that_name(
    state_url: str,  # noqa: F811
) -> None:
    from mailer.config.settings import Settings
    from mailer.runtime import metrics
    from mailer.runtime.delivery import OutboxWorker

    store = Store.open(state_url)
    try:
        _record(store, 1)
        [claimed] = store.claim_next_batch(T0, worker("w"), LEASE)
        store.mark_retry([claimed.id], "HTTP 500", T0 + timedelta(seconds=30))
        OutboxWorker(store, Settings(state=state_url)).update_depth_gauge()
        sample = metrics.REGISTRY.get_sample_value
        assert sample("mailer_outbox_depth", {"state": "retrying"}) == 1
        assert sample("mailer_outbox_depth", {"state": "failed"}) in (None, 0)
    finally:
        store.close()


def test_an_old_replica_still_storing_failed_is_read_as_retrying(state_url: str) -> None:  # noqa: F811
    # a rolling update: the new pod migrated, the old leader still stores "failed"
    store = Store.open(state_url)
    try:
        _record(store, 1)
        _record(store, 2)
        with store.engine.begin() as conn:
            conn.execute(update(outbox).values(state="failed", next_attempt_at=T0))
        counts = store.outbox_counts()
        assert counts[OutboxState.RETRYING] == 2
        assert [e.state for e in store.list_outbox()] == [OutboxState.RETRYING] * 2
        assert len(store.claim_next_batch(T0 + timedelta(minutes=1), worker("w"), LEASE)) == 1
    finally:
        store.close()


def test_the_run_line_says_retries_in_backoff_apart_from_alerts_waiting_for_their_time() -> None:
    from mailer.runtime.run_summary import RunSummary

    at = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    summary = RunSummary(emails=1, waiting=8, next_due=at, backoff=15, next_retry=at)
    head = str(summary).splitlines()[0]
    assert head.endswith(
        "(8 alerts wait for their time, next at 2026-12-07 08:00 UTC; "
        "15 retries wait for their next try, next at 2026-12-07 08:00 UTC)"
    )
    assert summary.to_json()["alerts"]["backoff"] == 15  # type: ignore[index]
