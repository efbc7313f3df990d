"""What every channel that talks HTTP shares: pacing, the inline retry budget and
failure classification. Used by Slack and apprise.

`HttpChannel.send_paced(send_once, key)` waits its turn (at most one message per
`min_interval` seconds per `key`, across instances in the process), calls `send_once`
and, when it raises a transient `DeliveryError`, retries here before handing the
failure back to the outbox:

- the peer asked to wait (`retry_after`, e.g. HTTP 429 Retry-After) at most
  MAX_INLINE_WAIT seconds: wait and retry, up to INLINE_WAIT_BUDGET seconds in one
  delivery; a longer wait goes back to the outbox, which reschedules the batch instead
  of a worker sleeping for minutes;
- other transient failures (5xx, timeouts, connection errors): TRANSIENT_RETRIES quick
  retries with backoff (1 s, then 2 s), then the outbox backs off further;
- permanent failures (`permanent=True`: a 4xx other than 408/429, a refused
  credential) are raised at once: the alert goes dead with that reason.

`classify_http_status` is the one reading of an HTTP status code: 408, 425, 429 and
5xx are transient, any other 4xx is permanent.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from mailer.notify import DeliveryError, DeliveryInterrupted

log = logging.getLogger(__name__)

MAX_INLINE_WAIT = 5.0  # seconds of Retry-After we are willing to sleep through
INLINE_WAIT_BUDGET = 20.0  # total seconds one delivery may spend waiting on 429s
TRANSIENT_RETRIES = 2  # quick retries of a 5xx/timeout before handing back to the outbox
TRANSIENT_BACKOFF = 1.0  # 1 s, then 2 s
MAX_RETRY_AFTER = 3600.0  # a longer Retry-After is taken as an hour
TRANSIENT_4XX = frozenset({408, 425, 429})

T = TypeVar("T")


class Pacer:
    """At most one message per `interval` seconds per channel key, across instances."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.clock = clock
        self.sleep = sleep
        self._next_slot: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait_turn(self, key: str, interval: float) -> None:
        with self._lock:  # reserve a slot, then sleep outside the lock
            now = self.clock()
            slot = max(now, self._next_slot.get(key, now))
            self._next_slot[key] = slot + interval
        if slot > now:
            self.sleep(slot - now)


SHARED_PACER = Pacer()


def parse_retry_after(value: str | None) -> float:
    """Seconds from a Retry-After header: 1 when absent or odd, at most an hour."""
    try:
        wait = float(value) if value else 1.0
    except ValueError:
        wait = 1.0
    if math.isnan(wait) or wait < 0:  # "nan", "-5": a sleep would raise
        wait = 1.0
    return min(wait, MAX_RETRY_AFTER)


def classify_http_status(status: int, peer: str, retry_after: str | None = None) -> DeliveryError:
    """What an HTTP error status from `peer` means for the outbox."""
    if status == 429:
        wait = parse_retry_after(retry_after)
        return DeliveryError(f"rate limited by {peer} (Retry-After {wait:g}s)", retry_after=wait)
    if status >= 500 or status in TRANSIENT_4XX:
        return DeliveryError(f"{peer} answered HTTP {status}; will retry")
    if 400 <= status < 500:
        return DeliveryError(f"{peer} refused the message: HTTP {status}", permanent=True)
    return DeliveryError(f"{peer} answered HTTP {status}; will retry")


class HttpChannel:
    """Base of channels that send over HTTP: pacing and the inline retry budget."""

    name: str
    label = "channel"  # for log lines: "slack team: ...; retrying in 1s"

    def __init__(self, pacer: Pacer | None, min_interval: float) -> None:
        self.pacer = pacer or SHARED_PACER
        self.min_interval = min_interval

    def send_paced(
        self,
        send_once: Callable[[], T],
        key: str,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> T:
        """Call `send_once` in `key`'s turn, retrying transient failures within the
        budget; raise DeliveryError when they run out (DeliveryInterrupted instead of
        waiting for a retry while the service is stopping)."""
        waited = 0.0
        transient_tries = 0
        while True:
            self.pacer.wait_turn(key, self.min_interval)
            try:
                return send_once()
            except DeliveryError as e:
                if e.permanent:
                    raise
                if e.retry_after is not None:
                    if (
                        e.retry_after > MAX_INLINE_WAIT
                        or waited + e.retry_after > INLINE_WAIT_BUDGET
                    ):
                        raise
                    pause = e.retry_after
                else:
                    transient_tries += 1
                    if transient_tries > TRANSIENT_RETRIES:
                        raise
                    pause = TRANSIENT_BACKOFF * 2 ** (transient_tries - 1)
                if should_stop():
                    raise DeliveryInterrupted() from e
                log.info("%s %s: %s; retrying in %gs", self.label, self.name, e.reason, pause)
                self.pacer.sleep(pause)
                waited += pause
