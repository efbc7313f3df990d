"""Watching every source until stopped: `mailer watch`, and the watchers of `mailer serve`.

Each IMAP source gets an `ImapWatcher` (IDLE, or polling when the server has no IDLE)
whose sweep runs through the service jobs (`mailer.jobs.ServiceJobs`): one message at
a time under the pipeline lock, the fetch outcome on the health board, then delivery
of what is due, so an alert leaves as soon as its message is stored. Directory
sources are polled every `DIRECTORY_POLL_SECONDS`.
"""

from __future__ import annotations

import logging
import threading

from mailer.config import Source as SourceConfig
from mailer.jobs import ServiceJobs
from mailer.sources.imap_watch import ImapWatcher, WatchStatus

log = logging.getLogger("mailer.watch")

DIRECTORY_POLL_SECONDS = 60.0


def sweep_source(jobs: ServiceJobs, name: str) -> None:
    """Fetch and process everything new in one source, then deliver what is due.

    Raises when the fetch failed (after recording it), so the watcher reconnects.
    """
    if jobs.stopping.is_set() or not jobs.may_fetch():
        return
    with jobs.running():
        try:
            source = jobs.pipeline.source(name)
            jobs.process_all(source, source.fetch(jobs.pipeline.store))
        except Exception as e:
            jobs.record_fetch(name, e)
            raise
        jobs.record_fetch(name, None)
    jobs.deliver_due()


def start_idle_watcher(config: SourceConfig, jobs: ServiceJobs) -> ImapWatcher:
    """An (unstarted) watcher for one IMAP source of the service; `mailer serve` uses it."""
    if config.kind != "imap":
        raise ValueError(f"source {config.name}: only IMAP sources can be watched")
    name = config.name
    return ImapWatcher(
        config,
        jobs.settings,
        lambda: sweep_source(jobs, name),
        on_failure=lambda error: jobs.record_fetch(name, error),
    )


class SourceWatchers:
    """Watchers for all sources of a config: IMAP watchers plus a directory poller."""

    def __init__(self, jobs: ServiceJobs) -> None:
        self.jobs = jobs
        self.watchers = [
            start_idle_watcher(s, jobs) for s in jobs.settings.sources if s.kind == "imap"
        ]
        self._polled = [s.name for s in jobs.settings.sources if s.kind != "imap"]
        self._poller: threading.Thread | None = None

    def start(self) -> None:
        for watcher in self.watchers:
            watcher.start()
        if self._polled:
            self._poller = threading.Thread(target=self._poll, name="watch-poll", daemon=True)
            self._poller.start()

    def _poll(self) -> None:
        while not self.jobs.stopping.is_set():
            for name in self._polled:
                try:  # records and logs fetch failures itself; delivery may still raise
                    self.jobs.fetch_source(name)
                except Exception:  # the poller must outlive one bad round
                    log.exception("source %s: polling failed; trying again", name)
            self.jobs.stopping.wait(DIRECTORY_POLL_SECONDS)

    def stop(self, timeout: float = 8.0) -> None:
        """Stop everything and wait up to `timeout` seconds in total."""
        self.jobs.stopping.set()
        for watcher in self.watchers:
            watcher.stop()
        for watcher in self.watchers:
            watcher.join(timeout / max(1, len(self.watchers)))
        if self._poller is not None:
            self._poller.join(timeout=1.0)

    def statuses(self) -> list[WatchStatus]:
        return [watcher.status() for watcher in self.watchers]
