"""A delivery that takes longer than the lease keeps its batch: the worker renews the
lease while the channel works, so another replica never takes the same alerts
(SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pipeline_kit import settings_for, write_config
from store_backends import state_url  # noqa: F401  (the parametrized fixture)

from mailer.config.settings import Destination, Settings
from mailer.core.keys import BatchKey
from mailer.core.models import AlertBatch, MatchReason, MessageStatus, OutboxState, Paper
from mailer.runtime.delivery import DeliverySummary, OutboxWorker
from mailer.store import MessageRecord, NewAlert, Store

pytestmark = pytest.mark.slow  # waits for real leases to run out

T0 = datetime(2025, 10, 14, 9, 0, tzinfo=UTC)
LEASE = timedelta(seconds=1)
WHY = (MatchReason("term", "*LoRA* in abstract", field="abstract", term="LoRA"),)


class SlowChannel:
    """The first delivery blocks until released (a long Slack feed); later ones return."""

    def __init__(self) -> None:
        self.batches: list[AlertBatch] = []
        self.working = threading.Event()
        self.release = threading.Event()

    def __call__(self, name: str, destination: Destination, settings: Settings) -> SlowChannel:
        return self

    def deliver(self, batch: AlertBatch) -> None:
        self.batches.append(batch)
        if len(self.batches) == 1:
            self.working.set()
            assert self.release.wait(30)

    def send_notice(self, subject: str, text: str) -> None:
        pass


def enqueue(store: Store, count: int) -> None:
    found = [
        Paper(id=f"arxiv:2510.{n:05d}", title=f"Paper {n}", format="hf-daily") for n in range(count)
    ]
    alerts = [
        NewAlert("small-llms", p.id, "team", BatchKey.parse("msg:1"), due_at=T0, reasons=WHY)
        for p in found
    ]
    store.record_message(
        MessageRecord("inbox", "INBOX", 7, "1", MessageStatus.PARSED, T0), found, alerts
    )


def test_a_delivery_longer_than_the_lease_is_not_taken_by_another_replica(
    tmp_path: Path,
    state_url: str,  # noqa: F811
) -> None:
    settings = settings_for(write_config(tmp_path, [], state=state_url))
    store = Store.open(state_url)
    try:
        enqueue(store, 3)
        channel = SlowChannel()
        worker = OutboxWorker(store, settings, channel_factory=channel, lease=LEASE)
        replica = OutboxWorker(store, settings, channel_factory=channel, lease=LEASE)
        results: list[DeliverySummary] = []
        started = time.monotonic()
        delivering = threading.Thread(target=lambda: results.append(worker.deliver_due(T0)))
        delivering.start()
        assert channel.working.wait(10)
        time.sleep(2.5 * LEASE.total_seconds())  # the first lease ran out long ago
        later = T0 + timedelta(seconds=time.monotonic() - started)
        assert replica.deliver_due(later).messages == 0, "the batch is still leased"
        assert len(channel.batches) == 1
        channel.release.set()
        delivering.join(30)
        assert results[0].sent == 3
        assert store.outbox_counts()[OutboxState.SENT] == 3
        assert replica.deliver_due(later + LEASE * 10).messages == 0, "sent once"
        assert len(channel.batches) == 1
    finally:
        channel.release.set()
        store.close()


def enqueue_batches(store: Store, count: int) -> None:
    """`count` digests of two papers each: one batch per digest."""
    for digest in range(count):
        found = [
            Paper(
                id=f"arxiv:2511.{digest:03d}{n:02d}", title=f"Paper {digest}.{n}", format="hf-daily"
            )
            for n in range(2)
        ]
        alerts = [
            NewAlert(
                "small-llms", p.id, "team", BatchKey.parse(f"msg:{digest}"), due_at=T0, reasons=WHY
            )
            for p in found
        ]
        record = MessageRecord("inbox", "INBOX", 7, str(digest), MessageStatus.PARSED, T0)
        store.record_message(record, found, alerts)


def test_the_batches_of_a_round_wait_under_one_lease_keeper_and_no_replica_takes_them(
    tmp_path: Path,
    state_url: str,  # noqa: F811
) -> None:
    settings = settings_for(write_config(tmp_path, [], state=state_url))
    store = Store.open(state_url)
    try:
        enqueue_batches(store, 4)
        channel = SlowChannel()
        worker = OutboxWorker(store, settings, channel_factory=channel, lease=LEASE)
        replica = OutboxWorker(store, settings, channel_factory=channel, lease=LEASE)
        results: list[DeliverySummary] = []
        started = time.monotonic()
        delivering = threading.Thread(target=lambda: results.append(worker.deliver_due(T0)))
        delivering.start()
        assert channel.working.wait(10)
        keepers = [t for t in threading.enumerate() if t.name == "lease-keeper"]
        assert len(keepers) == 1, "one lease keeper for the whole round"
        time.sleep(2.5 * LEASE.total_seconds())  # the first lease ran out long ago
        later = T0 + timedelta(seconds=time.monotonic() - started)
        assert replica.deliver_due(later).messages == 0, "the waiting batches are leased too"
        channel.release.set()
        delivering.join(30)
        assert (results[0].messages, results[0].sent) == (4, 8)
        assert len(channel.batches) == 4
        assert [b.batch_key for b in channel.batches] == [
            BatchKey.parse(f"msg:{n}") for n in range(4)
        ]
        assert not [t for t in threading.enumerate() if t.name == "lease-keeper"]
    finally:
        channel.release.set()
        store.close()


def test_a_stop_during_a_round_releases_the_batches_not_yet_delivered(
    tmp_path: Path,
    state_url: str,  # noqa: F811
) -> None:
    settings = settings_for(write_config(tmp_path, [], state=state_url))
    store = Store.open(state_url)
    try:
        enqueue_batches(store, 3)
        channel = SlowChannel()
        channel.release.set()
        worker = OutboxWorker(store, settings, channel_factory=channel, lease=LEASE * 600)
        summary = worker.deliver_due(T0, should_stop=lambda: len(channel.batches) >= 1)
        assert summary.messages == 1
        assert store.active_claims(T0) == [], "nothing is left leased by the stopped worker"
        # another replica sends the rest at once, without waiting for a lease to expire
        replica = OutboxWorker(store, settings, channel_factory=channel, lease=LEASE)
        assert replica.deliver_due(T0).messages == 2
        assert store.outbox_counts()[OutboxState.SENT] == 6
    finally:
        store.close()
