"""Delivery apart from ingestion: one lane (a thread) per destination.

`mailer serve` fetches, parses and enqueues under the pipeline lock; delivery never
takes that lock. `DeliveryLanes.kick()` starts a lane for each destination that has
alerts due, unless one runs already (then that lane goes round once more when done),
and returns at once: a new digest is recorded while a 5,000-paper Slack feed is
still going out, and its file or email alerts go out in their own lanes at once. A
slow or failing destination only ever holds its own lane.

`deliver_in_lanes()` does the same for `mailer run --once` and waits for the lanes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime

from mailer.runtime.delivery import DeliverySummary, OutboxWorker

log = logging.getLogger(__name__)


def merge(summaries: list[DeliverySummary]) -> DeliverySummary:
    total = DeliverySummary()
    for s in summaries:
        total.messages += s.messages
        total.sent += s.sent
        total.retrying += s.retrying
        total.dead += s.dead
        total.errors += s.errors
    return total


def deliver_in_lanes(
    worker: OutboxWorker, now: datetime, should_stop: Callable[[], bool] | None = None
) -> DeliverySummary:
    """Deliver everything due, each destination in its own thread; wait for all."""
    worker.release_leases_of_gone_workers(now)  # else their alerts do not look due
    destinations = worker.store.due_destinations(now)
    if len(destinations) <= 1:
        return worker.deliver_due(now, should_stop)
    results: dict[str, DeliverySummary] = {}

    def lane(destination: str) -> None:
        try:
            results[destination] = worker.deliver_due(now, should_stop, destination)
        except Exception:  # the store went away: the alerts stay queued
            log.exception("outbox run failed", extra={"destination": destination})

    threads = [threading.Thread(target=lane, args=(d,), name=f"deliver:{d}") for d in destinations]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    worker.update_depth_gauge()
    return merge(list(results.values()))


class DeliveryLanes:
    """Background lanes for `mailer serve` (see the module docstring)."""

    def __init__(
        self,
        worker: OutboxWorker,
        clock: Callable[[], datetime],
        should_stop: Callable[[], bool],
        running: Callable[[], AbstractContextManager[None]],
        report: Callable[[DeliverySummary], None],
    ) -> None:
        self.worker = worker
        self.clock = clock
        self.should_stop = should_stop
        self.running = running  # counts a lane as work in hand, so stopping waits for it
        self.report = report
        self._lock = threading.Lock()
        self._lanes: dict[str, threading.Thread] = {}
        self._again: set[str] = set()

    def kick(self) -> None:
        """Start a lane for every destination with alerts due now; never waits."""
        if self.should_stop():
            return
        now = self.clock()
        self.worker.release_leases_of_gone_workers(now)  # else their alerts do not look due
        for destination in self.worker.store.due_destinations(now):
            with self._lock:
                if destination in self._lanes:  # running: it goes round once more
                    self._again.add(destination)
                    continue
                # daemon: a lane still posting when the stop deadline passes must not
                # hold the process past the grace period (progress is saved per part)
                guard = self.running()  # counted from now: a stop or a wait sees it
                guard.__enter__()
                lane = threading.Thread(
                    target=self._run,
                    args=(destination, guard),
                    name=f"deliver:{destination}",
                    daemon=True,
                )
                self._lanes[destination] = lane
                lane.start()

    def busy(self) -> list[str]:
        with self._lock:
            return sorted(self._lanes)

    def _run(self, destination: str, guard: AbstractContextManager[None]) -> None:
        try:
            self._deliver(destination)
        finally:  # also after an error: a later kick must start a fresh lane
            with self._lock:
                if self._lanes.get(destination) is threading.current_thread():
                    del self._lanes[destination]
            guard.__exit__(None, None, None)

    def _deliver(self, destination: str) -> None:
        while not self.should_stop():
            try:
                summary = self.worker.deliver_due(self.clock(), self.should_stop, destination)
            except Exception:
                log.exception(
                    "outbox run failed; the alerts stay queued", extra={"destination": destination}
                )
            else:
                self.report(summary)
            with self._lock:
                if destination not in self._again:
                    self._lanes.pop(destination, None)  # under the lock: no kick is lost
                    return
                self._again.discard(destination)
