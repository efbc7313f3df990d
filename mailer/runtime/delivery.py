"""The outbox worker: deliver due alerts, one message per (rule, destination, batch).

It claims due batches a round at a time (up to 20, `store.outbox.CLAIM_BATCHES`, in
one transaction, under one lease), and for each builds one `AlertBatch`, hands it to the destination's
channel and records the outcome at once:

- delivered: `sent`;
- `DeliveryError` that a retry can help: `retrying`, next attempt after exponential
  backoff (`delivery.backoff_seconds` doubling up to `backoff_max_seconds`, never
  before the peer's `retry_after`);
- permanent error, unknown destination, or `delivery.max_attempts` reached: `dead`,
  with the reason (`mailer outbox` shows it; `mailer outbox retry` requeues).

An alert is marked sent only after the channel returned, so a crash in between sends
that one batch again on the next run (at most once more), and loses nothing. The
lease (`delivery.lease_seconds`) is renewed every third of its length by one keeper
thread per round while its batches go out, so a delivery longer than the lease (a
long feed paced at one message a second, Slack asking to wait) is not taken over by
another replica. A worker that
was killed stops renewing: its lease is dropped at once when its process is gone from
this host, else it expires. Channels that send a batch in parts (Slack threads) keep
their progress in the store, so after a restart they post only the missing parts.

A message's date (`AlertBatch.created`) is when its alerts were enqueued (the
earliest) for an immediate batch, and the feed's delivery time for a daily one, never
the time it happens to be sent.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import TracebackType

from mailer.config.settings import Destination, Settings
from mailer.core.clock import utc_now
from mailer.core.keys import Claim, DestinationRef
from mailer.core.models import AlertBatch, AlertItem, Match
from mailer.notify import Channel, DeliveryError, DeliveryInterrupted, InterruptibleChannel
from mailer.notify.registry import UnknownChannel, create_channel
from mailer.runtime import metrics
from mailer.runtime.health import Activity, ActivityBoard
from mailer.store import ClaimedAlert, Store

log = logging.getLogger(__name__)

ChannelFactory = Callable[[str, Destination, Settings], Channel]
MIN_RETRY_SECONDS = 1.0
MAX_RETRY_AFTER_SECONDS = 86_400.0


@dataclass(slots=True)
class DeliverySummary:
    messages: int = 0  # messages (batches) delivered
    sent: int = 0  # alerts in them
    retrying: int = 0  # alerts whose delivery failed and will be retried
    dead: int = 0  # alerts given up on
    errors: list[str] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return self.retrying + self.dead


def batch_time(claimed: Sequence[ClaimedAlert]) -> datetime:
    """The moment a batch's message is about: a daily feed's delivery time, else when its
    first alert was enqueued (a retry days later still shows the digest's day)."""
    if claimed[0].batch_key.is_daily:
        return min(a.due_at for a in claimed)
    return min(a.created_at for a in claimed)


def build_batch(claimed: Sequence[ClaimedAlert]) -> AlertBatch:
    """The one message for claimed alerts of one (rule, destination, batch key)."""
    first = claimed[0]
    return AlertBatch(
        rule=first.rule,
        destination=first.destination,
        batch_key=first.batch_key,
        items=tuple(
            AlertItem(paper=a.paper, match=Match(a.rule, a.paper.id, a.reasons)) for a in claimed
        ),
        created=batch_time(claimed),
        rule_description=first.rule_description,
    )


def retry_delay(attempt: int, settings: Settings, retry_after: float | None) -> float:
    """Seconds before the next try after the `attempt`-th failure (1-based)."""
    delivery = settings.delivery
    doublings = min(attempt - 1, 64)  # 2**1100 seconds would not even fit in a float
    delay = min(delivery.backoff_max_seconds, delivery.backoff_seconds * 2.0**doublings)
    if retry_after is not None:  # a peer asking for more than a day is not taken literally
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER_SECONDS))
    return max(delay, MIN_RETRY_SECONDS)


def _is_process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class LeaseKeeper:
    """Renews a claim's lease from a background thread while its batch is delivered.

    Every third of the lease the claimed rows get `claimed_until` = the worker's `now`
    plus the time spent since then plus one lease, so the lease never runs out under a
    living worker. Renewal never takes back rows another worker holds.
    """

    def __init__(
        self,
        store: Store,
        claim: Claim,
        until: Callable[[], datetime],
        interval: float,
        extra: dict[str, str],
    ) -> None:
        self.store = store
        self.claim = claim
        self.until = until
        self.interval = interval
        self.extra = extra
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lease-keeper", daemon=True)

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                renewed = self.store.renew_claim(self.claim, self.until())
            except Exception as e:  # noqa: BLE001 bulkhead: the database is away: try again at the next turn
                log.warning("could not renew the lease: %s", e, extra=self.extra)
                continue
            if not renewed:
                log.warning("lost the lease while delivering", extra=self.extra)
                return


class OutboxWorker:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        channel_factory: ChannelFactory | None = None,
        lease: timedelta | None = None,
    ) -> None:
        """`channel_factory` defaults to the registry's, with progress kept in `store`."""
        self.store = store
        self.settings = settings
        self.channel_factory: ChannelFactory = channel_factory or functools.partial(
            create_channel, progress=store.delivery_progress()
        )
        self.lease = lease or timedelta(seconds=settings.delivery.lease_seconds)
        self.host = socket.gethostname()
        self.pid = os.getpid()
        self._channels: dict[str, Channel] = {}
        # told (messages, alerts) delivered so far after each batch (progress lines)
        self.on_batch: Callable[[int, int], None] | None = None
        self._channels_lock = threading.Lock()
        self.board = ActivityBoard()  # the batch each delivering thread has in hand

    def deliver_due(
        self,
        now: datetime,
        should_stop: Callable[[], bool] | None = None,
        destination: str | None = None,
    ) -> DeliverySummary:
        """Deliver every batch due at `now` (to one destination, if given); never raises
        for a delivery problem. `should_stop` is asked before each batch (and by
        channels that send in parts, between parts): a stopping service claims no other
        batch, so nothing is left claimed when it exits. Threads may deliver to
        different destinations at once."""
        summary = DeliverySummary()
        self.release_leases_of_gone_workers(now)
        started = time.monotonic()

        def lease_end() -> datetime:  # `now` runs on while batch after batch goes out
            return now + timedelta(seconds=time.monotonic() - started) + self.lease

        while not (should_stop and should_stop()):
            claim = Claim(self.host, self.pid, uuid.uuid4().hex[:12])
            batches = self.store.claim_due_batches(now, claim, lease_end() - now, destination)
            if not batches:
                break
            interval = self.lease.total_seconds() / 3
            extra = {"destination": destination or "", "claim": claim.to_str()}
            # one keeper for the round: it renews the lease of every row the claim still
            # holds (a batch marked sent or failed is no longer held)
            with LeaseKeeper(self.store, claim, lease_end, interval, extra):
                stopped = False
                for number, claimed in enumerate(batches):
                    if number and should_stop and should_stop():
                        stopped = True
                        break
                    self._deliver_one(claimed, claim, now, summary, should_stop)
            # every batch delivered was marked sent, retrying or dead (or released when
            # interrupted); only a stop leaves batches of the round claimed
            if stopped and self.store.release_claims([claim]):
                log.info("stopping: released the batches not yet delivered", extra=extra)
        self.update_depth_gauge()
        return summary

    def _deliver_one(
        self,
        claimed: Sequence[ClaimedAlert],
        claim: Claim,
        now: datetime,
        summary: DeliverySummary,
        should_stop: Callable[[], bool] | None,
    ) -> None:
        batch = build_batch(claimed)
        what = f"{batch.destination}: rule {batch.rule}, {len(claimed)} alert(s)"
        key = f"delivery:{threading.get_ident()}"
        stuck_after = self.settings.delivery.stuck_seconds
        self.board.begin(key, Activity("delivery", what, utc_now(), stuck_after))
        try:
            self._deliver(batch, claimed, now, summary, claim, should_stop)
        finally:
            self.board.end(key)
        if self.on_batch is not None:
            self.on_batch(summary.messages, summary.sent)

    def update_depth_gauge(self) -> None:
        for state, count in self.store.outbox_counts().items():
            metrics.OUTBOX_DEPTH.labels(state=state).set(count)

    def channel(self, name: str) -> Channel:
        """The channel for a destination name, created once (raises KeyError if unknown)."""
        with self._channels_lock:
            if name not in self._channels:
                self._channels[name] = self.channel_factory(
                    name, self.settings.destination(DestinationRef.parse(name)), self.settings
                )
            return self._channels[name]

    def _deliver(
        self,
        batch: AlertBatch,
        claimed: Sequence[ClaimedAlert],
        now: datetime,
        summary: DeliverySummary,
        claim: Claim,
        should_stop: Callable[[], bool] | None = None,
    ) -> None:
        extra = {"rule": batch.rule, "destination": batch.destination}
        try:
            channel = self.channel(batch.destination)
        except KeyError:
            error = DeliveryError(
                f"destination {batch.destination!r} is not defined in the config",
                permanent=True,
            )
            self._record_failure(batch, claimed, error, now, summary, claim)
            return
        except UnknownChannel as e:
            error = DeliveryError(str(e), permanent=True)
            self._record_failure(batch, claimed, error, now, summary, claim)
            return
        except Exception as e:  # noqa: BLE001 bulkhead: e.g. its token's variable is not set: retried later
            log.error("cannot set up the channel: %s", e, extra=extra)
            error = DeliveryError(f"cannot set up the channel: {e}")
            self._record_failure(batch, claimed, error, now, summary, claim)
            return
        try:  # a KeyError from here on is a channel's bug, not an unknown destination
            if should_stop is not None and isinstance(channel, InterruptibleChannel):
                channel.deliver_until(batch, should_stop)
            else:
                channel.deliver(batch)
        except DeliveryInterrupted as e:  # stopping: released, the next start resumes it
            self.store.release_claims([claim])
            log.info("%s; released the batch", e.reason, extra=extra)
        except DeliveryError as e:
            self._record_failure(batch, claimed, e, now, summary, claim)
        except Exception as e:  # a channel bug must not stop delivery of other batches
            log.exception("channel raised unexpectedly", extra=extra)
            error = DeliveryError(f"{type(e).__name__}: {e}")
            self._record_failure(batch, claimed, error, now, summary, claim)
        else:
            self.store.mark_sent([a.id for a in claimed], now)
            summary.messages += 1
            summary.sent += len(claimed)
            metrics.ALERTS_SENT.labels(destination=batch.destination).inc(len(claimed))
            log.info("delivered %d alert(s)", len(claimed), extra=extra)

    def _record_failure(
        self,
        batch: AlertBatch,
        claimed: Sequence[ClaimedAlert],
        error: DeliveryError,
        now: datetime,
        summary: DeliverySummary,
        claim: Claim,
    ) -> None:
        """Record a failed attempt, for the rows `claim` still holds: a row another
        worker took over (this one's lease ran out) is left to that worker."""
        max_attempts = self.settings.delivery.max_attempts
        dead = [a for a in claimed if error.permanent or a.attempts + 1 >= max_attempts]
        retry = [a for a in claimed if a not in dead]
        extra = {"rule": batch.rule, "destination": batch.destination, "error": error.reason}
        if dead:
            reason = (
                error.reason
                if error.permanent
                else f"{error.reason} (gave up after {max_attempts} attempt"
                f"{'' if max_attempts == 1 else 's'})"
            )
            self.store.mark_dead([a.id for a in dead], reason, claim=claim)
            summary.dead += len(dead)
            metrics.ALERTS_DEAD.labels(destination=batch.destination).inc(len(dead))
            summary.errors.append(f"{batch.rule} -> {batch.destination}: dead: {reason}")
            log.error("gave up on %d alert(s)", len(dead), extra=extra)
        if retry:
            attempt = max(a.attempts for a in retry) + 1
            delay = retry_delay(attempt, self.settings, error.retry_after)
            self.store.mark_retry(
                [a.id for a in retry], error.reason, now + timedelta(seconds=delay), claim=claim
            )
            summary.retrying += len(retry)
            metrics.ALERTS_FAILED.labels(destination=batch.destination).inc(len(retry))
            summary.errors.append(
                f"{batch.rule} -> {batch.destination}: will retry in {delay:.0f}s: {error.reason}"
            )
            log.warning("delivery failed; retry in %.0fs", delay, extra=extra)

    def release_leases_of_gone_workers(self, now: datetime) -> None:
        gone = []
        for claim in self.store.active_claims(now):
            if claim.host == self.host and claim.pid != self.pid and _is_process_gone(claim.pid):
                gone.append(claim)
        if gone:
            released = self.store.release_claims(gone)
            log.info("took over %d alert(s) from workers that are gone", released)
