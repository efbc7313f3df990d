"""An IMAP folder as a source of digests (`kind: imap`).

Each fetch selects the folder read-only, asks the server for candidates (SEARCH from
the config), keeps those above the highest UID processed for the folder's current
UIDVALIDITY, checks each size before downloading (`max_message_bytes`) and downloads
with `BODY.PEEK[]` in batches, so nothing is marked read by fetching. When the store
knows nothing of the current UIDVALIDITY (first run, folder recreated, server
migrated) the Message-ID of every candidate is fetched first and messages already
processed under another UIDVALIDITY are handed over as skipped: nothing is alerted
twice and nothing is missed. With `since` (`mailer run --since DATE`, e.g. after
changing rules) the folder is searched with SINCE DATE and every message found is
processed again, including those processed before; alerts stay unique per rule, paper
and destination, so only new matches are sent.

`after:` (mark seen, move) runs in `after_commit`, once the pipeline has stored the
message, on a second connection selected read-write; an action that fails is retried
at the next fetch. The IMAP commands themselves are in `mailer.sources.imap_commands`;
the IDLE watcher (`watcher()`, for a source with `idle: true`) in
`mailer.sources.imap_idle`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from datetime import date
from typing import TYPE_CHECKING

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from mailer.config.settings import ImapSource as ImapConfig
from mailer.config.settings import Settings
from mailer.sources import Capabilities, IncomingMessage, SourceError, SourceState
from mailer.sources.imap_commands import (
    answers_noop,
    download,
    fetch_candidates,
    move_message,
    search,
    select_folder,
)
from mailer.sources.imap_connect import close_quietly, connect, describe_connect_error
from mailer.sources.imap_plan import Skip, build_search_criteria, plan_downloads, select_new_uids

if TYPE_CHECKING:
    from mailer.core.timings import Timings
    from mailer.sources.imap_idle import ImapWatcher
    from mailer.sources.watching import OnFailure, Sweep

log = logging.getLogger(__name__)

ProgressCallback = Callable[[str, int, int], None]  # (source name, done, total)
HANDOVER_ATTEMPTS = 3  # times a message the store failed to record is handed over
AFTER_ATTEMPTS = 5  # times mark_seen/move_to is tried for one message before giving up
GAP_CHECK_UIDS = 1000  # newest UIDs below the highest processed checked once per process


class ImapSource:
    """The `mailer.sources.Source` for one IMAP folder; safe to share between threads."""

    def __init__(self, config: ImapConfig, settings: Settings) -> None:
        self.name = config.name
        self.config = config
        self.settings = settings
        self.folder = config.folder
        # emails; a UID once past is not offered again; with `idle: true` the service
        # watches it (IDLE, or polling every `sweep_seconds` when the server has none)
        self.capabilities = Capabilities(item="email", offers_again=False, watchable=config.idle)
        self.progress: ProgressCallback | None = None  # set by a command that shows progress
        self._reader: IMAPClient | None = None
        self._writer: IMAPClient | None = None
        self._writer_uidvalidity = 0
        self._fetch_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._pending_after: list[IncomingMessage] = []
        self._after_failures: dict[str, int] = {}  # UID -> failed after-processing attempts
        # UIDs handed over (and how often) whose record the store may lack: a store
        # failure on one message must not let the UIDs after it hide it for good.
        self._handed_over: dict[int, int] = {}
        self._handed_over_uidvalidity = 0
        # A process that ended after such a failure left no note in memory: the first
        # fetch of each UIDVALIDITY looks below the highest UID for what is unrecorded.
        self._gap_checked: set[int] = set()

    # -- Source -------------------------------------------------------------------------

    def fetch(self, state: SourceState, since: date | None = None) -> Iterator[IncomingMessage]:
        if not self._fetch_lock.acquire(timeout=self.config.read_timeout * 2):
            raise SourceError(self.name, "another fetch of this source is still running")
        try:
            yield from self._fetch_retrying_once(state, since)
        except (OSError, IMAPClientError) as e:
            self._drop_reader()
            raise SourceError(self.name, describe_connect_error(self.config, e)) from e
        finally:
            self._fetch_lock.release()

    def _fetch_retrying_once(
        self, state: SourceState, since: date | None
    ) -> Iterator[IncomingMessage]:
        """A server error (Dovecot answers FETCH with "Internal error" on a connection
        whose folder was deleted and recreated, before the first message or between two
        download batches) is retried once on a fresh connection. The retry plans again
        from the store: the messages handed over so far were recorded before this
        generator was resumed, so it goes on with the rest and repeats none."""
        try:
            yield from self._fetch(state, since)
        except IMAPClientError as e:
            log.info(
                "source %s: %s; retrying on a new connection",
                self.name,
                describe_connect_error(self.config, e),
                extra={"source": self.name},
            )
            self._drop_reader()
            yield from self._fetch(state, since)

    def watcher(self, sweep: Sweep, on_failure: OnFailure, timings: Timings) -> ImapWatcher:
        from mailer.sources.imap_idle import ImapWatcher

        return ImapWatcher(
            self.config, self.settings, sweep, timings=timings, on_failure=on_failure
        )

    def check_connection(self) -> str:
        from mailer.sources.imap_connect import where

        client = connect(self.config, self.settings)  # SourceError: says what to check
        try:
            client.select_folder(self.folder, readonly=True)
        except Exception as e:
            raise SourceError(self.name, f"logged in, but folder {self.folder!r}: {e}") from e
        finally:
            close_quietly(client)
        return f"logged in to {where(self.config)}, folder {self.folder}"

    def after_commit(self, message: IncomingMessage) -> None:
        after = self.config.after
        if after.mark_seen or after.move_to:
            self._try_after(message)

    def _try_after(self, message: IncomingMessage) -> bool:
        """Mark seen / move one message; on failure keep it for the next fetch (up to
        `AFTER_ATTEMPTS` times). Whether it is still pending."""
        with self._write_lock:
            try:
                self._apply_after(message)
                self._after_failures.pop(message.uid, None)
                return False
            except Exception as e:  # noqa: BLE001 bulkhead: after_commit failures are counted and retried, never fatal
                self._drop_writer()
                attempts = self._after_failures.get(message.uid, 0) + 1
                reason = e if isinstance(e, SourceError) else describe_connect_error(self.config, e)
                if attempts >= AFTER_ATTEMPTS:
                    self._after_failures.pop(message.uid, None)
                    log.error(
                        "source %s: after-processing of UID %s failed %d times; left as is: %s",
                        self.name,
                        message.uid,
                        attempts,
                        reason,
                        extra={"source": self.name},
                    )
                    return False
                self._after_failures[message.uid] = attempts
                self._pending_after.append(message)
                log.warning(
                    "source %s: after-processing of UID %s failed, retried next fetch: %s",
                    self.name,
                    message.uid,
                    reason,
                    extra={"source": self.name},
                )
                return True

    def close(self) -> None:
        self._drop_reader()
        with self._write_lock:
            self._drop_writer()

    # -- fetching -----------------------------------------------------------------------

    def _fetch(self, state: SourceState, since: date | None) -> Iterator[IncomingMessage]:
        client = self._reader_session()
        uidvalidity = select_folder(client, self.config, readonly=True)
        self._retry_pending_after()
        highest = state.highest_uid(self.name, self.folder, uidvalidity)
        unrecorded = self._unrecorded(state, uidvalidity)
        if since is None and highest is not None and uidvalidity not in self._gap_checked:
            unrecorded |= self._gaps(client, state, uidvalidity, highest)
            self._gap_checked.add(uidvalidity)
        uids = sorted(set(self._search(client, since, highest)) | unrecorded)
        by_message_id = highest is None  # nothing known of this UIDVALIDITY: resync
        candidates = fetch_candidates(client, uids, with_message_id=by_message_id)
        known = {
            c.uid: state.has_message_id(c.message_id)
            for c in candidates
            if by_message_id and c.message_id
        }
        plan = plan_downloads(
            candidates,
            max_message_bytes=self.config.max_message_bytes,
            batch_size=self.config.batch_size,
            already_processed=known,
            batch_bytes=self.config.batch_bytes,
        )
        if highest is None and known and any(known.values()):
            log.info(
                "source %s: new UIDVALIDITY %d for %s: resynced by Message-ID, %d already seen",
                self.name,
                uidvalidity,
                self.folder,
                sum(known.values()),
                extra={"source": self.name},
            )
        done = 0
        self._report(done, plan.total)
        for step in plan.steps:
            if isinstance(step, Skip):  # recorded without content: a record can fail too
                self._handed_over[step.uid] = self._handed_over.get(step.uid, 0) + 1
                yield self._message(uidvalidity, step.uid, None, step.message_id, step.reason)
                done += 1
                self._report(done, plan.total)
                continue
            bodies = download(client, [c.uid for c in step])
            for candidate in step:
                raw = bodies.get(candidate.uid)
                done += 1
                if raw is None:  # expunged between SEARCH and FETCH: nothing to hand over
                    continue
                self._handed_over[candidate.uid] = self._handed_over.get(candidate.uid, 0) + 1
                yield self._message(uidvalidity, candidate.uid, raw, candidate.message_id)
                self._report(done, plan.total)

    def _unrecorded(self, state: SourceState, uidvalidity: int) -> set[int]:
        """UIDs handed over by earlier fetches that the store did not record: retried
        up to `HANDOVER_ATTEMPTS` times (a message that always fails is given up)."""
        if uidvalidity != self._handed_over_uidvalidity:
            self._handed_over, self._handed_over_uidvalidity = {}, uidvalidity
        retry: set[int] = set()
        for uid, attempts in list(self._handed_over.items()):
            if state.is_processed(self.name, self.folder, uidvalidity, str(uid)):
                del self._handed_over[uid]
            elif attempts >= HANDOVER_ATTEMPTS:
                del self._handed_over[uid]
                log.error(
                    "source %s: UID %d could not be recorded after %d attempts; giving up",
                    self.name,
                    uid,
                    attempts,
                    extra={"source": self.name},
                )
            else:
                retry.add(uid)
        return retry

    def _gaps(
        self, client: IMAPClient, state: SourceState, uidvalidity: int, highest: int
    ) -> set[int]:
        """Candidates at or below the highest processed UID that the store lacks (a
        message it failed to record before the last process ended); the newest
        `GAP_CHECK_UIDS` of them are checked, one store lookup each."""
        criteria = build_search_criteria(self.config.search, self.config.gmail_raw)
        below = sorted(uid for uid in search(client, self.config, criteria) if uid <= highest)
        missing = {
            uid
            for uid in below[-GAP_CHECK_UIDS:]
            if not state.is_processed(self.name, self.folder, uidvalidity, str(uid))
        }
        if missing:
            log.warning(
                "source %s: %d message(s) below UID %d were never recorded; fetching them again",
                self.name,
                len(missing),
                highest,
                extra={"source": self.name},
            )
        return missing

    def _search(
        self,
        client: IMAPClient,
        since: date | None,
        highest: int | None,
    ) -> list[int]:
        if since is not None:  # a backfill: every message SINCE that day, processed or not
            criteria = build_search_criteria(self.config.search, self.config.gmail_raw, since)
            return sorted(set(search(client, self.config, criteria)))
        min_uid = highest + 1 if highest is not None else None
        criteria = build_search_criteria(self.config.search, self.config.gmail_raw, min_uid=min_uid)
        return select_new_uids(search(client, self.config, criteria), highest)

    def _message(
        self,
        uidvalidity: int,
        uid: int,
        raw: bytes | None,
        message_id: str | None,
        skip_reason: str | None = None,
    ) -> IncomingMessage:
        return IncomingMessage(
            source=self.name,
            folder=self.folder,
            uidvalidity=uidvalidity,
            uid=str(uid),
            raw=raw,
            message_id=message_id,
            skip_reason=skip_reason,
        )

    def _report(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(self.name, done, total)

    def _reader_session(self) -> IMAPClient:
        """The fetch connection: reused while it answers NOOP, else opened again."""
        if self._reader is not None and answers_noop(self._reader):
            return self._reader
        self._drop_reader()
        self._reader = connect(self.config, self.settings)
        return self._reader

    def _drop_reader(self) -> None:
        client, self._reader = self._reader, None
        close_quietly(client)

    # -- after-processing ---------------------------------------------------------------

    def _retry_pending_after(self) -> None:
        """Retry what failed before, oldest first; after the first failure the rest wait
        for the next fetch (one failed login per fetch, not one per pending message)."""
        with self._write_lock:
            pending, self._pending_after = self._pending_after, []
        for index, message in enumerate(pending):
            if self._try_after(message):  # failed again: the rest wait with it
                with self._write_lock:
                    self._pending_after.extend(pending[index + 1 :])
                return

    def _apply_after(self, message: IncomingMessage) -> None:
        writer = self._writer_session()
        if message.uidvalidity != self._writer_uidvalidity:  # recreated since: look again
            self._writer_uidvalidity = select_folder(writer, self.config, readonly=False)
        if message.uidvalidity != self._writer_uidvalidity:
            log.warning(
                "source %s: UIDVALIDITY changed before UID %s was post-processed; left as is",
                self.name,
                message.uid,
                extra={"source": self.name},
            )
            return
        uid = int(message.uid)
        if self.config.after.mark_seen:
            writer.add_flags([uid], [b"\\Seen"], silent=True)
        target = self.config.after.move_to
        if target:
            move_message(writer, uid, target)

    def _writer_session(self) -> IMAPClient:
        """The post-processing connection (read-write): reused while it answers NOOP."""
        if self._writer is not None and answers_noop(self._writer):
            return self._writer
        self._drop_writer()
        writer = connect(self.config, self.settings)
        try:
            target = self.config.after.move_to
            if target and not writer.folder_exists(target):
                writer.create_folder(target)
                log.info("source %s: created folder %s for after.move_to", self.name, target)
            self._writer_uidvalidity = select_folder(writer, self.config, readonly=False)
        except BaseException:
            close_quietly(writer)
            raise
        self._writer = writer
        return writer

    def _drop_writer(self) -> None:
        client, self._writer = self._writer, None
        close_quietly(client)
