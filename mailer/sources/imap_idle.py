"""The IMAP watcher: one thread per IMAP source that reacts to new mail within seconds.

The watcher keeps its own connection with the folder selected read-only and sits in
IDLE (RFC 2177). When the server announces new mail (EXISTS) it leaves IDLE and calls
`sweep`, which fetches through the source (a separate connection) and processes what
is new. Before each IDLE a NOOP collects what arrived while this connection was not
idling (during a sweep): servers (Dovecot 2.3) do not announce at the start of IDLE, then
or later, mail that came before it. IDLE is re-issued every `idle_renew_seconds` (a
minute, well inside the 29-minute limit) with a NOOP in between, a heartbeat that also
finds mail that landed in the moment between the last NOOP and IDLE; a sweep also runs
on every (re)connect and every `sweep_seconds` as a safety net. Servers without IDLE
(or `idle: false`) are polled every `sweep_seconds` (minutes, by default).

Any error closes the connection and reconnects with jittered exponential backoff.
Each state change is logged once, not once per retry. `stop()` returns at once; the
thread notices within about a second (`Timings.stop_check`) and closes its
connection, so a service stops well within 10 s. `status()` is what /healthz shows.
`ImapSource.watcher()` builds one for the service (`mailer.runtime.service`).
"""

from __future__ import annotations

import contextlib
import logging
import random
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from typing import Literal

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from mailer.config.settings import ImapSource as ImapConfig
from mailer.config.settings import Settings
from mailer.core.clock import utc_now
from mailer.core.errors import MailerError
from mailer.core.timings import Timings
from mailer.runtime import metrics
from mailer.sources import SourceError
from mailer.sources.imap_commands import select_folder_counting
from mailer.sources.imap_connect import close_quietly, connect, describe_connect_error
from mailer.sources.watching import OnFailure, Sweep, WatchState, WatchStatus

log = logging.getLogger(__name__)

_DEFAULT = Timings()
# a catch-up before IDLE sweeps at most this often in a row (mail that keeps coming is
# announced in IDLE or found at the next renewal, instead of holding the watcher here)
MAX_CATCH_UP_SWEEPS = 3


class ConnectionLost(MailerError):
    """The server closed the IDLE connection (BYE, or end of stream)."""


def backoff_delay(
    attempt: int, *, base: float = 1.0, cap: float = _DEFAULT.max_backoff, rand: float | None = None
) -> float:
    """Seconds before reconnect attempt `attempt` (0-based): a random point in the upper
    half of min(cap, base * 2**attempt), so many watchers do not reconnect in step."""
    ceiling = min(cap, base * (1 << max(0, min(attempt, 30))))
    fraction = random.random() if rand is None else rand
    return ceiling / 2 + fraction * ceiling / 2


class ImapWatcher:
    """Watches one IMAP folder in a thread: `start()`, `stop()`, `join()`, `status()`."""

    def __init__(
        self,
        config: ImapConfig,
        settings: Settings,
        sweep: Sweep,
        *,
        timings: Timings = _DEFAULT,
        clock: Callable[[], datetime] = utc_now,
        on_failure: OnFailure | None = None,
    ) -> None:
        self.config = config
        self.settings = settings
        self.name = config.name
        self._sweep_source = sweep
        self._max_backoff = timings.max_backoff
        self._stop_check = timings.stop_check
        self._clock = clock
        self._on_failure = on_failure  # e.g. the health board: every failed attempt
        self._stopping = threading.Event()
        self._client: IMAPClient | None = None
        self._lock = threading.Lock()
        self._status = WatchStatus(self.name, "starting", clock())
        self._thread: threading.Thread | None = None
        self._said_no_idle = False
        self._size = _MailboxSize()

    # -- control ------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name=f"watch-{self.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Ask the thread to finish; returns at once. A blocked read is cut short."""
        self._stopping.set()
        client = self._client
        if client is not None:
            with contextlib.suppress(Exception):
                client.socket().shutdown(socket.SHUT_RDWR)

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def status(self) -> WatchStatus:
        with self._lock:
            return self._status

    # -- the loop -----------------------------------------------------------------------

    def run(self) -> None:
        """The thread's loop. Never ends silently: anything that escapes it (not an
        Exception, which means backoff) is logged with its traceback and leaves the
        status `stopped` with the reason, so health checks and the service see it."""
        try:
            self._run()
        except BaseException as e:
            log.critical(
                "source %s: the watcher stopped on an unexpected %s; restart the service",
                self.name,
                type(e).__name__,
                exc_info=True,
                extra={"source": self.name},
            )
            with self._lock:
                self._status = replace(
                    self._status, last_error=f"watcher stopped: {type(e).__name__}: {e}"
                )
            # not raised again: the traceback is logged above, and the thread ends here
        finally:
            self._close()
            self._set_state("stopped")

    def _run(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            try:
                client = self._open()
                self._sweep()
                if failures:
                    log.info(
                        "source %s: reconnected after %d failed attempt(s)",
                        self.name,
                        failures,
                        extra={"source": self.name},
                    )
                failures = 0
                if client is not None:
                    self._watch_with_idle(client)
                else:
                    self._watch_by_polling()
            except Exception as e:  # noqa: BLE001 bulkhead: the watcher reconnects after any failure
                if self._stopping.is_set():
                    break
                self._close()
                self._enter_backoff(e, failures)
                failures += 1
                metrics.IMAP_RECONNECTS.labels(source=self.name).inc()
                self._stopping.wait(backoff_delay(failures - 1, cap=self._max_backoff))

    def _open(self) -> IMAPClient | None:
        """Connect and select; the client when the server has IDLE, else None (polling)."""
        client = connect(self.config, self.settings)
        self._client = client
        if self._stopping.is_set():  # stop() ran while connecting
            raise ConnectionLost("stopping")
        _validity, exists = select_folder_counting(client, self.config, readonly=True)
        self._size = _MailboxSize(exists)  # a server repeating this count is no news
        if self.config.idle and client.has_capability("IDLE"):
            self._set_state("connected", mode="idle")
            return client
        if self.config.idle and not self._said_no_idle:
            self._said_no_idle = True
            log.warning(
                "source %s: server has no IDLE; polling every %g s instead",
                self.name,
                self.config.sweep_seconds,
                extra={"source": self.name},
            )
        self._close()
        self._set_state("connected", mode="poll")
        return None

    def _watch_with_idle(self, client: IMAPClient) -> None:
        cfg = self.config
        # The sweep on connecting ran on the fetch connection: mail that arrived during it
        # comes with a NOOP here, and Dovecot does not announce it when IDLE starts.
        self._catch_up(client, sweep_now=False)
        start = time.monotonic()
        renew_at, sweep_at = start + cfg.idle_renew_seconds, start + cfg.sweep_seconds
        client.idle()
        self._set_state("idling")
        quick_empty = 0
        while not self._stopping.is_set():
            asked = time.monotonic()
            responses = client.idle_check(timeout=self._stop_check)
            now = time.monotonic()
            if any(_is_bye(r) for r in responses):
                raise ConnectionLost("the server closed the connection (BYE)")
            trouble = next((r for r in responses if _is_warning(r)), None)
            if trouble is not None:  # e.g. the folder was deleted under us: select it anew
                raise ConnectionLost(f"the server reported a problem: {_describe(trouble)}")
            # idle_check returns nothing at once when the stream has ended.
            quick_empty = (
                quick_empty + 1 if not responses and now - asked < self._stop_check / 2 else 0
            )
            if quick_empty >= 3:
                raise ConnectionLost("the server closed the connection")
            has_new_mail = self._size.grew(responses)
            if not (has_new_mail or now >= renew_at or now >= sweep_at):
                continue
            # Mail announced between the last check and DONE comes with DONE's answer
            # (a NOOP would not announce it again): it must wake a sweep too.
            _text, late = client.idle_done()
            has_new_mail = self._size.grew(late) or has_new_mail
            if self._catch_up(client, sweep_now=has_new_mail or now >= sweep_at):
                sweep_at = time.monotonic() + cfg.sweep_seconds
            renew_at = time.monotonic() + cfg.idle_renew_seconds
            if not self._stopping.is_set():
                client.idle()
        with contextlib.suppress(Exception):
            client.idle_done()

    def _catch_up(self, client: IMAPClient, *, sweep_now: bool) -> bool:
        """Before IDLE (again): a NOOP, the heartbeat, also collects mail that arrived
        since this connection last looked (during a sweep, say), which IDLE would not
        announce; sweep until a NOOP finds nothing new (at most MAX_CATCH_UP_SWEEPS times:
        mail that keeps arriving is announced in IDLE, or found at the next renewal).
        Whether it swept."""
        swept = False
        for _ in range(MAX_CATCH_UP_SWEEPS):
            if not (self._size.grew(_untagged(client.noop())) or sweep_now):
                break
            self._sweep()
            swept, sweep_now = True, False
        return swept

    def _watch_by_polling(self) -> None:
        self._set_state("polling")
        while not self._stopping.wait(self.config.sweep_seconds):
            self._sweep()

    def _sweep(self) -> None:
        self._sweep_source()
        with self._lock:
            self._status = replace(
                self._status,
                last_fetch=self._clock(),
                last_error=None,
                sweeps=self._status.sweeps + 1,
            )

    # -- state --------------------------------------------------------------------------

    def _enter_backoff(self, error: BaseException, failures: int) -> None:
        text = str(error) if isinstance(error, SourceError) else self._describe(error)
        with self._lock:
            was = self._status.state
            self._status = replace(
                self._status,
                state="backoff",
                since=self._clock() if was != "backoff" else self._status.since,
                last_error=text,
                reconnects=self._status.reconnects + 1,
            )
        if self._on_failure is not None:
            try:
                self._on_failure(text)
            except Exception:
                log.warning("recording a watcher failure failed", exc_info=True)
        if failures == 0:  # once per outage (until a sweep succeeds), not once per retry
            log.error(
                "source %s: %s; reconnecting with backoff (up to %g s)",
                self.name,
                text.removeprefix(f"source {self.name}: "),
                self._max_backoff,
                extra={"source": self.name},
            )
        else:
            log.debug("source %s: attempt %d failed: %s", self.name, failures + 1, text)

    def _describe(self, error: BaseException) -> str:
        if isinstance(error, ConnectionLost):
            return f"source {self.name}: {error}"
        if isinstance(error, OSError | IMAPClientError):
            return f"source {self.name}: {describe_connect_error(self.config, error)}"
        # not the connection: processing what was fetched failed (the store, say); one
        # line, since a database error's text goes on with the SQL and its parameters
        first_line = (str(error).strip().splitlines() or [""])[0][:200]
        return f"source {self.name}: processing failed: {type(error).__name__}: {first_line}"

    def _set_state(self, state: WatchState, mode: Literal["idle", "poll"] | None = None) -> None:
        with self._lock:
            previous = self._status
            if previous.state == state and (mode is None or mode == previous.mode):
                return
            self._status = replace(
                previous, state=state, since=self._clock(), mode=mode or previous.mode
            )
        if state == "idling" and previous.state != "idling":
            log.info("source %s: watching %s with IDLE", self.name, self.config.folder)
        elif state == "polling":
            log.info(
                "source %s: polling %s every %g s",
                self.name,
                self.config.folder,
                self.config.sweep_seconds,
            )
        elif state == "stopped":
            log.info("source %s: watcher stopped", self.name)

    def _close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            # a dead peer must not hold us up: a short timeout for the goodbye
            with contextlib.suppress(Exception):
                client.socket().settimeout(2.0)
            close_quietly(client)


class _MailboxSize:
    """The folder's message count as this connection's untagged responses tell it. Some
    servers repeat `* N EXISTS` on every NOOP although nothing arrived; only a count above
    the one last known is new mail (EXPUNGE lowers it, so mail replacing deleted mail still
    counts). Seeded from SELECT's answer; without it, the first EXISTS counts as new."""

    def __init__(self, count: int | None = None) -> None:
        self.count = count

    def grew(self, responses: Iterable[object]) -> bool:
        grew = False
        for response in responses:
            if not (isinstance(response, tuple) and len(response) >= 2):
                continue
            number, kind = response[0], response[1]
            if not isinstance(number, int):
                continue
            if kind == b"EXPUNGE" and self.count is not None:
                self.count = max(0, self.count - 1)
            elif kind == b"EXISTS":
                grew = grew or self.count is None or number > self.count
                self.count = number
        return grew


def _untagged(answer: object) -> list[object]:
    """The untagged responses that came with a NOOP's answer."""
    if isinstance(answer, tuple) and len(answer) > 1 and isinstance(answer[1], list):
        return answer[1]
    return []


def _is_warning(response: object) -> bool:
    return isinstance(response, tuple) and len(response) >= 1 and response[0] in (b"NO", b"BAD")


def _describe(response: tuple[object, ...]) -> str:
    words = [w.decode("utf-8", "replace") if isinstance(w, bytes) else str(w) for w in response]
    return " ".join(words)[:200]


def _is_bye(response: object) -> bool:
    return isinstance(response, tuple) and len(response) >= 1 and response[0] == b"BYE"
