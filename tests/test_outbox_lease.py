"""A delivery that takes longer than the lease keeps its batch: the worker renews the
lease while the channel works, so another replica never takes the same alerts
(SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipeline_kit import settings_for, write_config
from store_backends import state_url  # noqa: F401  (the parametrized fixture)

from mailer.config import Destination, Settings
from mailer.models import AlertBatch, MatchReason, Paper
from mailer.outbox import DeliverySummary, OutboxWorker
from mailer.store import MessageRecord, NewAlert, Store

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
    alerts = [NewAlert("small-llms", p.id, "team", "msg:1", due_at=T0, reasons=WHY) for p in found]
    store.record_message(MessageRecord("inbox", "INBOX", 7, "1", "parsed", T0), found, alerts)


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
        assert store.outbox_counts()["sent"] == 3
        assert replica.deliver_due(later + LEASE * 10).messages == 0, "sent once"
        assert len(channel.batches) == 1
    finally:
        channel.release.set()
        store.close()
