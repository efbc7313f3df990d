"""`mailer serve`: one long-running process around the pipeline.

`Service.run()` takes the instance lock, opens the pipeline, starts the scheduler
(`mailer.scheduler`), one IDLE watcher thread per IMAP source that uses IDLE, and the
optional health/metrics endpoint, then supervises them. `request_stop()` (SIGTERM,
SIGINT) lets the message in hand finish and returns from `run()` within
`STOP_SECONDS`. A changed config restarts the jobs in-process with the new settings; a
broken one is ignored (logged, and shown by `mailer status`).

Nothing dies silently: every `SUPERVISE_SECONDS` the main thread replaces an IMAP
watcher whose thread ended, and ends `run()` with `ServiceFailure` (exit status 1, so
a supervisor restarts the process) when the scheduler's thread is gone or the
instance lock was lost to another instance.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from mailer.app import Clock, Pipeline, utc_now
from mailer.config import Settings
from mailer.config import Source as SourceConfig
from mailer.health import (
    FetchBoard,
    HealthReport,
    HealthServer,
    SourceHealth,
    evaluate_health,
)
from mailer.instance_lock import InstanceLock, LockLostError, acquire_instance_lock
from mailer.jobs import ServiceJobs
from mailer.rules import RuleSet
from mailer.scheduler import (
    is_scheduler_alive,
    is_watched_by_idle,
    new_scheduler,
    schedule_daily_feeds,
    schedule_jobs,
)
from mailer.sources.imap_watch import WatchStatus

log = logging.getLogger("mailer.service")

STOP_SECONDS = 8.0  # of the 10 s promised: the rest is for closing connections
WATCH_STATUS_SECONDS = 10
SUPERVISE_SECONDS = 5.0
LOCK_CHECK_SECONDS = 15
WATCHER_RESTART_SECONDS = 30.0  # a watcher that keeps dying is restarted this often


class ServiceFailure(Exception):
    """The service cannot go on (its scheduler died, another instance took its lock)."""


def watch_health(status: WatchStatus) -> SourceHealth:
    """A watcher's state as /healthz judges it: backing off after an error is unhealthy;
    starting (not connected yet) counts as not yet due."""
    error = status.last_error if status.state in ("backoff", "stopped") else None
    if status.state == "stopped" and error is None:
        error = "watcher stopped"
    return SourceHealth(
        source=status.source,
        last_attempt=status.since if error else status.last_fetch,
        last_success=status.last_fetch,
        error=error,
    )


class Watcher(Protocol):
    """A thread that pushes new messages of one source to the jobs (IMAP IDLE)."""

    name: str

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def join(self, timeout: float | None = None) -> None: ...
    def status(self) -> WatchStatus: ...


WatcherFactory = Callable[[SourceConfig, ServiceJobs], Watcher]


@dataclass(frozen=True, slots=True)
class HttpAddress:
    host: str
    port: int


class _Generation:
    """Everything started for one config: pipeline, jobs, scheduler, watchers."""

    def __init__(
        self,
        settings: Settings,
        service: Service,
    ) -> None:
        self.settings = settings
        self.pipeline = Pipeline.open(settings, clock=service.clock)
        self.board = FetchBoard(s.name for s in settings.sources)
        self.scheduler: BackgroundScheduler = new_scheduler()
        self.jobs = ServiceJobs(
            self.pipeline,
            self.board,
            clock=service.clock,
            stopping=service.stopping,
            on_config_change=service.restart_with,
            on_rules_change=self._reschedule_feeds,
        )
        self.watchers: list[Watcher] = []
        self._service = service
        self._watcher_factory = service.watcher_factory
        self._recorded_watch_errors: dict[str, str | None] = {}
        self._idle = [s for s in settings.sources if is_watched_by_idle(s)]
        try:  # here, not in start(): a config the scheduler refuses must not stop the old one
            schedule_jobs(
                self.scheduler,
                settings,
                self.pipeline.rules.enabled,
                self.jobs,
                self.jobs.clock,
                watched={s.name for s in self._idle} if self._watcher_factory else (),
            )
        except BaseException:
            self.pipeline.close()
            raise

    def start(self) -> None:
        self.scheduler.start()
        if self._watcher_factory is not None:
            for source in self._idle:
                watcher = self._watcher_factory(source, self.jobs)
                watcher.start()
                self.watchers.append(watcher)
            self.scheduler.add_job(
                self._record_watcher_errors,
                IntervalTrigger(seconds=WATCH_STATUS_SECONDS),
                id="watchers",
                replace_existing=True,
            )
        self.scheduler.add_job(
            self._verify_lock,
            IntervalTrigger(seconds=LOCK_CHECK_SECONDS),
            id="instance-lock",
            replace_existing=True,
        )
        rules = self.pipeline.rules
        now = self.jobs.clock()
        self.jobs.status.record("rules", True, f"{len(rules.rules)} rules", now)
        self.jobs.status.record("config", True, None, now)  # clears an error of a past run
        log.info(
            "serving: %d sources (%d watched with IDLE), %d rules",
            len(self.settings.sources),
            len(self.watchers),
            len(rules.rules),
        )

    def _reschedule_feeds(self, ruleset: RuleSet) -> None:
        default_at = self.settings.delivery.default_daily_at
        feeds = schedule_daily_feeds(self.scheduler, ruleset.enabled, default_at, self.jobs)
        log.debug("daily feeds at %s", ", ".join(f.job_id for f in feeds) or "no time")

    def health(self) -> HealthReport:
        watched = {w.name: watch_health(w.status()) for w in self.watchers}
        polled = [s for s in self.board.snapshot() if s.source not in watched]
        return evaluate_health(
            is_scheduler_alive(self.scheduler),
            [*polled, *watched.values()],
            self.jobs.activities(),
            self.jobs.clock(),
        )

    def _verify_lock(self) -> None:
        self._service.verify_lock()

    def supervise(self) -> None:
        """Raise ServiceFailure when the scheduler's thread is gone; replace watchers whose
        thread ended (it logged why) once they have been stopped `WATCHER_RESTART_SECONDS`."""
        if not is_scheduler_alive(self.scheduler):
            raise ServiceFailure("the scheduler stopped; nothing would run any more")
        if self._watcher_factory is None or self.jobs.stopping.is_set():
            return
        now = self.jobs.clock()
        for index, watcher in enumerate(self.watchers):
            status = watcher.status()
            if status.state != "stopped":
                continue
            if (now - status.since).total_seconds() < WATCHER_RESTART_SECONDS:
                continue
            source = next((s for s in self.settings.sources if s.name == watcher.name), None)
            if source is None:
                continue
            log.error(
                "source %s: its watcher stopped (%s); starting a new one",
                watcher.name,
                status.last_error or "no reason given",
                extra={"source": watcher.name},
            )
            fresh = self._watcher_factory(source, self.jobs)
            fresh.start()
            self.watchers[index] = fresh

    def _record_watcher_errors(self) -> None:
        """A watcher that cannot connect never reaches a sweep: put its error where
        `mailer status` reads (successes are recorded by the sweeps themselves)."""
        for watcher in self.watchers:
            error = watch_health(watcher.status()).error
            if error and self._recorded_watch_errors.get(watcher.name) != error:
                self.jobs.record_fetch(watcher.name, error)
            self._recorded_watch_errors[watcher.name] = error

    def stop(self, deadline: float) -> None:
        for watcher in self.watchers:
            watcher.stop()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        for watcher in self.watchers:
            watcher.join(timeout=max(0.1, deadline - time.monotonic()))
        self.jobs.wait_idle(deadline)
        self.pipeline.close()


class Service:
    def __init__(
        self,
        settings: Settings,
        *,
        http: HttpAddress | None = None,
        clock: Clock = utc_now,
        watcher_factory: WatcherFactory | None = None,
    ) -> None:
        self.settings = settings
        self.http = http
        self.clock = clock
        self.watcher_factory = watcher_factory
        self.stopping = threading.Event()
        self._wake = threading.Event()
        self._next_settings: Settings | None = None
        self._generation: _Generation | None = None
        self._lock: InstanceLock | None = None
        self._lock_problem: str | None = None
        self._failure: ServiceFailure | None = None
        self._server: HealthServer | None = None

    # -- control (thread-safe) ------------------------------------------------------

    def request_stop(self) -> None:
        self.stopping.set()
        self._wake.set()

    def restart_with(self, settings: Settings) -> None:
        self._next_settings = settings
        self._wake.set()

    def health(self) -> HealthReport:
        generation = self._generation
        if generation is None:
            return HealthReport(False, ("starting",))
        report = generation.health()
        problem = self._lock_problem
        if problem is None:
            return report
        return HealthReport(False, (*report.reasons, problem), report.sources)

    def verify_lock(self) -> None:
        """Check the instance lock (a scheduled job: it may wait on the database). A lock
        lost to another instance stops the service with ServiceFailure."""
        lock = self._lock
        if lock is None:
            return
        try:
            held = lock.verify()
        except LockLostError as e:
            log.critical("%s; stopping", e)
            self._failure = ServiceFailure(str(e))
            self._wake.set()
            return
        self._lock_problem = None if held else "instance lock: cannot reach the database"

    def refresh_metrics(self) -> None:
        generation = self._generation
        if generation is not None:
            generation.jobs.refresh_metrics()

    # -- the life of the service -----------------------------------------------------

    def run(self) -> None:
        """Start, serve until asked to stop, stop. Raises AlreadyRunningError,
        RulesUnavailable or StoreError when it cannot start, ServiceFailure when it
        cannot go on (after stopping cleanly)."""
        self._lock = acquire_instance_lock(self.settings.state)
        try:
            self._generation = _Generation(self.settings, self)
            self._start_http()
            self._generation.start()
            self._record_service(True, f"running, pid {os.getpid()}")
            self._serve()
        finally:
            self._shutdown()

    def _serve(self) -> None:
        while not self.stopping.is_set():
            self._wake.wait(SUPERVISE_SECONDS)
            self._wake.clear()
            if self.stopping.is_set():
                break
            if self._failure is not None:
                raise self._failure
            if self._next_settings is not None:
                settings, self._next_settings = self._next_settings, None
                self._restart(settings)
            if self._generation is not None:
                self._generation.supervise()

    def _restart(self, settings: Settings) -> None:
        old = self._generation
        if settings.state != self.settings.state:
            # the lock is on the running state: switching now would run unlocked
            log.warning("state: changed in the config; it takes effect after a restart")
            settings = settings.model_copy(update={"state": self.settings.state})
        try:
            fresh = _Generation(settings, self)
        except Exception as e:
            log.error("the new config cannot start (%s); keeping the running one", e)
            if old is not None:
                old.jobs.retry_config_on_next_change()
                try:
                    detail = f"the new config cannot start: {e}"
                    old.jobs.status.record("config", False, detail, self.clock())
                except Exception:
                    log.warning("could not record the config error", exc_info=True)
            return
        if old is not None:
            old.stop(time.monotonic() + STOP_SECONDS)
        self.settings = settings
        self._generation = fresh
        fresh.start()

    def _start_http(self) -> None:
        if self.http is None:
            return
        try:
            self._server = HealthServer(
                self.http.host, self.http.port, self.health, self.refresh_metrics
            )
        except OSError as e:
            where = f"{self.http.host}:{self.http.port}"
            raise OSError(f"--http {where}: cannot listen there: {e.strerror}") from e
        self._server.start()

    def _shutdown(self) -> None:
        deadline = time.monotonic() + STOP_SECONDS
        self.stopping.set()
        self._record_service(False, "stopped")
        generation, self._generation = self._generation, None
        if generation is not None:
            log.info("stopping: finishing the message in hand")
            try:
                generation.stop(deadline)
            except Exception:
                log.exception("error while stopping")
        if self._server is not None:
            self._server.stop()
        if self._lock is not None:
            self._lock.release()
            self._lock = None
        log.info("stopped")

    def _record_service(self, running: bool, detail: str) -> None:
        generation = self._generation
        if generation is None:
            return
        try:
            generation.jobs.status.record("service", running, detail, self.clock())
        except Exception:
            log.warning("could not record the service state", exc_info=True)
