"""The service's own state: notices, service status, housekeeping, migration step 2."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text
from store_backends import state_url  # noqa: F401  (the parametrized fixture)

from mailer.config.settings import Settings
from mailer.core.keys import BatchKey, NoticeKey
from mailer.core.models import MessageStatus, NewAlert, Paper
from mailer.runtime.instance_lock import acquire_instance_lock
from mailer.runtime.status_report import collect_service_status, format_service_status
from mailer.store.db import Store
from mailer.store.housekeeping import prune_state
from mailer.store.messages import MessageRecord
from mailer.store.notices import NoticeLog
from mailer.store.schema import messages, outbox, papers
from mailer.store.service_status import ServiceStatusLog

HF_SILENT = NoticeKey.source("hf")
T0 = datetime(2025, 10, 14, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(state_url: str) -> Iterator[Store]:  # noqa: F811
    opened = Store.open(state_url)
    yield opened
    opened.close()


def record(store: Store, uid: str, at: datetime, paper_id: str, destination: str = "team") -> None:
    paper = Paper(id=paper_id, title=f"Paper {paper_id}", format="generic")
    alert = NewAlert("llm", paper_id, destination, BatchKey.parse(f"msg:{uid}"), due_at=at)
    store.record_message(
        MessageRecord("inbox", "INBOX", 1, uid, MessageStatus.PARSED, at, raw=b"raw mail"),
        [paper],
        [alert],
    )


def alert_id(store: Store, paper_id: str) -> int:
    with store.engine.connect() as conn:
        return int(
            conn.execute(select(outbox.c.id).where(outbox.c.paper_id == paper_id)).scalar_one()
        )


def test_a_subject_is_watched_from_first_sight_and_its_notice_survives(store: Store) -> None:
    log = NoticeLog(store.engine)
    first = log.state(HF_SILENT, T0)
    assert first.watching_since == T0
    assert not first.notified
    assert log.state(HF_SILENT, T0 + timedelta(days=3)).watching_since == T0
    log.set_notified(HF_SILENT, True, T0 + timedelta(days=1), "went silent")
    again = NoticeLog(store.engine).state(HF_SILENT, T0 + timedelta(days=3))
    assert again.notified
    assert again.detail == "went silent"


def test_last_arrival_is_the_newest_processed_message(store: Store) -> None:
    log = NoticeLog(store.engine)
    assert log.last_arrival("inbox") is None
    record(store, "1", T0, "arxiv:1")
    record(store, "2", T0 + timedelta(hours=5), "arxiv:2")
    assert log.last_arrival("inbox") == T0 + timedelta(hours=5)
    assert log.last_arrival("other") is None


def test_a_destination_fails_from_its_oldest_failure_after_the_last_success(
    store: Store,
) -> None:
    log = NoticeLog(store.engine)
    record(store, "1", T0, "arxiv:1")
    record(store, "2", T0 + timedelta(hours=1), "arxiv:2")
    record(store, "3", T0 + timedelta(hours=2), "arxiv:3")
    assert log.oldest_failure_since_success() == {}
    store.mark_dead([alert_id(store, "arxiv:1")], "channel_not_found")
    store.mark_sent([alert_id(store, "arxiv:2")], T0 + timedelta(hours=1, minutes=1))
    assert log.oldest_failure_since_success() == {}  # the old failure is behind a success
    store.mark_retry([alert_id(store, "arxiv:3")], "HTTP 500", T0 + timedelta(hours=3))
    assert log.oldest_failure_since_success() == {"team": T0 + timedelta(hours=2)}


def test_service_status_keeps_the_last_success_through_an_error(store: Store) -> None:
    status = ServiceStatusLog(store.engine)
    status.record("fetch:inbox", True, None, T0)
    status.record("fetch:inbox", False, "connection refused", T0 + timedelta(minutes=10))
    entry = status.entries("fetch:")["fetch:inbox"]
    assert not entry.ok
    assert entry.detail == "connection refused"
    assert entry.last_ok_at == T0
    assert entry.updated_at == T0 + timedelta(minutes=10)
    assert status.entries("rules") == {}


def test_housekeeping_drops_bulk_but_keeps_what_exactly_once_needs(store: Store) -> None:
    old, new = T0 - timedelta(days=100), T0
    record(store, "1", old, "arxiv:old-sent")
    record(store, "2", old, "arxiv:old-pending")
    record(store, "3", new, "arxiv:new-sent")
    store.mark_sent([alert_id(store, "arxiv:old-sent")], old)
    store.mark_sent([alert_id(store, "arxiv:new-sent")], new)
    result = prune_state(store.engine, T0 - timedelta(days=90))
    assert (result.raw_copies_dropped, result.alerts_deleted, result.papers_deleted) == (2, 1, 1)
    with store.engine.connect() as conn:
        assert set(conn.execute(select(papers.c.id)).scalars()) == {
            "arxiv:old-pending",
            "arxiv:new-sent",
        }
        assert conn.execute(select(outbox.c.paper_id)).scalars().all().count("arxiv:old-sent") == 0
        kept = conn.execute(select(messages.c.uid, messages.c.raw)).all()
    assert sorted(uid for uid, _ in kept) == ["1", "2", "3"]  # identities stay: no re-fetch
    assert store.is_processed("inbox", "INBOX", 1, "1")
    assert prune_state(store.engine, T0 - timedelta(days=90)).alerts_deleted == 0


def test_migration_step_2_adds_the_service_tables_to_an_older_database(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path}/old.db"
    store = Store.open(url)
    with store.engine.begin() as conn:  # make it look like a version-1 database
        conn.execute(text("DROP TABLE notices"))
        conn.execute(text("DROP TABLE service_status"))
        conn.execute(text("DELETE FROM schema_version WHERE version >= 2"))
    assert store.upgrade() >= 1
    tables = set(inspect(store.engine).get_table_names())
    assert {"notices", "service_status"} <= tables


def test_status_tells_a_service_that_vanished_from_one_that_runs(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/state/mailer.db"
    settings = Settings.model_validate({"state": url, "destinations": {"c": {"kind": "console"}}})
    store = Store.open(url)
    try:
        at = datetime(2025, 10, 14, 9, 0, tzinfo=UTC)
        ServiceStatusLog(store.engine).record("service", True, "running, pid 4242", at)
        lock = acquire_instance_lock(url)  # the service holds its state
        try:
            report = collect_service_status(store.engine, settings)
            assert "service: running, pid 4242" in format_service_status(report)[0]
        finally:
            lock.release()
        # killed before it could record "stopped": the row still says running
        report = collect_service_status(store.engine, settings)
        assert report.service is not None
        assert report.service.ok is False
        assert "stopped without saying so" in format_service_status(report)[0]
    finally:
        store.close()
