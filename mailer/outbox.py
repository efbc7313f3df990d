"""The outbox worker: deliver due alerts, one message per (rule, destination, batch).

For each due batch it claims the rows (a lease in the store), builds one `AlertBatch`,
hands it to the destination's channel and records the outcome:

- delivered: `sent`;
- `DeliveryError` that a retry can help: `failed`, next attempt after exponential
  backoff (`delivery.backoff_seconds` doubling up to `backoff_max_seconds`, never
  before the peer's `retry_after`);
- permanent error, unknown destination, or `delivery.max_attempts` reached: `dead`,
  with the reason (`mailer outbox` shows it; `mailer outbox retry` requeues).

An alert is marked sent only after the channel returned, so a crash in between sends
that one batch again on the next run (at most once more), and loses nothing. A
worker that was killed leaves a lease; it is dropped at once when its process is
gone from this host, else it expires after `delivery.lease_seconds`.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from mailer import metrics
from mailer.config import Destination, Settings
from mailer.models import AlertBatch, AlertItem, Match
from mailer.notify import Channel, DeliveryError
from mailer.notify.registry import UnknownChannel, create_channel
from mailer.store import ClaimedAlert, Store

log = logging.getLogger("mailer.outbox")

ChannelFactory = Callable[[str, Destination, Settings], Channel]
MIN_RETRY_SECONDS = 1.0


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


def build_batch(claimed: Sequence[ClaimedAlert], now: datetime) -> AlertBatch:
    """The one message for claimed alerts of one (rule, destination, batch key)."""
    first = claimed[0]
    return AlertBatch(
        rule=first.rule,
        destination=first.destination,
        batch_key=first.batch_key,
        items=tuple(
            AlertItem(paper=a.paper, match=Match(a.rule, a.paper.id, a.reasons)) for a in claimed
        ),
        created=now,
        rule_description=first.rule_description,
    )


def retry_delay(attempt: int, settings: Settings, retry_after: float | None) -> float:
    """Seconds before the next try after the `attempt`-th failure (1-based)."""
    delivery = settings.delivery
    delay = min(delivery.backoff_max_seconds, delivery.backoff_seconds * 2 ** (attempt - 1))
    if retry_after is not None:
        delay = max(delay, retry_after)
    return max(delay, MIN_RETRY_SECONDS)


def _is_process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class OutboxWorker:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        channel_factory: ChannelFactory = create_channel,
        lease: timedelta | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.channel_factory = channel_factory
        self.lease = lease or timedelta(seconds=settings.delivery.lease_seconds)
        self.host = socket.gethostname()
        self.worker_id = f"{self.host}:{os.getpid()}"
        self._channels: dict[str, Channel] = {}

    def deliver_due(self, now: datetime) -> DeliverySummary:
        """Deliver every batch due at `now`; never raises for a delivery problem."""
        summary = DeliverySummary()
        self._release_leases_of_gone_workers(now)
        while True:
            claim = f"{self.worker_id}:{uuid.uuid4().hex[:12]}"
            claimed = self.store.claim_next_batch(now, claim, self.lease)
            if not claimed:
                break
            self._deliver(build_batch(claimed, now), claimed, now, summary)
        self.update_depth_gauge()
        return summary

    def update_depth_gauge(self) -> None:
        for state, count in self.store.outbox_counts().items():
            metrics.OUTBOX_DEPTH.labels(state=state).set(count)

    def channel(self, name: str) -> Channel:
        """The channel for a destination name, created once (raises KeyError if unknown)."""
        if name not in self._channels:
            self._channels[name] = self.channel_factory(
                name, self.settings.destination(name), self.settings
            )
        return self._channels[name]

    def _deliver(
        self,
        batch: AlertBatch,
        claimed: Sequence[ClaimedAlert],
        now: datetime,
        summary: DeliverySummary,
    ) -> None:
        extra = {"rule": batch.rule, "destination": batch.destination}
        try:
            self.channel(batch.destination).deliver(batch)
        except KeyError:
            error = DeliveryError(
                f"destination {batch.destination!r} is not defined in the config",
                permanent=True,
            )
            self._record_failure(batch, claimed, error, now, summary)
        except UnknownChannel as e:
            self._record_failure(
                batch, claimed, DeliveryError(str(e), permanent=True), now, summary
            )
        except DeliveryError as e:
            self._record_failure(batch, claimed, e, now, summary)
        except Exception as e:  # a channel bug must not stop delivery of other batches
            log.exception("channel raised unexpectedly", extra=extra)
            error = DeliveryError(f"{type(e).__name__}: {e}")
            self._record_failure(batch, claimed, error, now, summary)
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
    ) -> None:
        max_attempts = self.settings.delivery.max_attempts
        dead = [a for a in claimed if error.permanent or a.attempts + 1 >= max_attempts]
        retry = [a for a in claimed if a not in dead]
        extra = {"rule": batch.rule, "destination": batch.destination, "error": error.reason}
        if dead:
            reason = (
                error.reason
                if error.permanent
                else (f"{error.reason} (gave up after {max_attempts} attempts)")
            )
            self.store.mark_dead([a.id for a in dead], reason)
            summary.dead += len(dead)
            metrics.ALERTS_DEAD.labels(destination=batch.destination).inc(len(dead))
            summary.errors.append(f"{batch.rule} -> {batch.destination}: dead: {reason}")
            log.error("gave up on %d alert(s)", len(dead), extra=extra)
        if retry:
            attempt = max(a.attempts for a in retry) + 1
            delay = retry_delay(attempt, self.settings, error.retry_after)
            self.store.mark_retry(
                [a.id for a in retry], error.reason, now + timedelta(seconds=delay)
            )
            summary.retrying += len(retry)
            metrics.ALERTS_FAILED.labels(destination=batch.destination).inc(len(retry))
            summary.errors.append(
                f"{batch.rule} -> {batch.destination}: will retry in {delay:.0f}s: {error.reason}"
            )
            log.warning("delivery failed; retry in %.0fs", delay, extra=extra)

    def _release_leases_of_gone_workers(self, now: datetime) -> None:
        gone = []
        for claim in self.store.active_claims(now):
            parts = claim.split(":")
            if len(parts) < 3 or not parts[-2].isdigit():
                continue
            host, pid = ":".join(parts[:-2]), int(parts[-2])
            if host == self.host and pid != os.getpid() and _is_process_gone(pid):
                gone.append(claim)
        if gone:
            released = self.store.release_claims(gone)
            log.info("took over %d alert(s) from workers that are gone", released)
