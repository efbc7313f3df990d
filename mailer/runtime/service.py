"""The service: one long-running process around the pipeline, and its one
supervision loop. `mailer serve` runs it with the `SERVE` preset; `mailer watch` is
the `WATCH` preset of the same runtime (polls every minute, exits 1 when a watcher
dies so a supervisor restarts it, no HTTP endpoint).

`Service.run()` takes the instance lock (SQLite) or joins the leader election
(PostgreSQL, `mailer.runtime.leader`), opens the pipeline, starts the scheduler
(`mailer.runtime.scheduler`) and the optional health/metrics endpoint, then supervises them.
While this replica is the leader it also runs the fetches (a watcher thread per
source that can be watched, `Capabilities.watchable`: IMAP with `idle: true`; polls for
the others) and the leader's schedules; a standby only delivers from the outbox.
`request_stop()` (SIGTERM, SIGINT) lets the message in hand finish and returns from
`run()` within `Timings.stop`. A changed config restarts the jobs in-process with the
new settings; a broken one is ignored (logged, and shown by `mailer status`).

Nothing dies silently: every `Timings.supervise` seconds the main thread replaces a
watcher whose thread ended (the `WATCH` preset ends instead), and ends `run()` with
`ServiceFailure` (exit status 1, so a supervisor restarts the process) when the
scheduler's thread is gone or the SQLite instance lock was lost to another instance.
Every interval comes from the `mailer.core.timings.Timings` the service is given.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from mailer.config.settings import Settings
from mailer.core.clock import Clock, utc_now
from mailer.core.timings import Timings
from mailer.runtime import metrics
from mailer.runtime.election import LeaderElection
from mailer.runtime.generation import (
    Generation,
    ServiceFailure,
    WatcherFactory,
    open_watcher,
)
from mailer.runtime.health import (
    HealthReport,
    HealthServer,
)
from mailer.runtime.instance_lock import (
    InstanceLock,
    LockLostError,
    acquire_instance_lock,
    is_shared_state,
)
from mailer.runtime.leader import (
    Leadership,
    SoleLeader,
    role_of,
)
from mailer.store.db import create_store_engine, engine_url

if TYPE_CHECKING:
    from mailer.web.context import WebContext

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Preset:
    """How the one runtime is started: its timings and what a dead watcher means."""

    name: str
    timings: Timings
    # True: a watcher whose thread ended stops the service with ServiceFailure (exit 1,
    # the supervisor restarts the process); False: it is replaced in-process
    exit_when_a_watcher_dies: bool = False


SERVE = Preset("serve", Timings())
# `mailer watch`: sources without a watcher and without `poll:` every minute, a dead
# watcher noticed within a second
WATCH = Preset("watch", Timings(default_poll=60.0, supervise=1.0), exit_when_a_watcher_dies=True)


@dataclass(frozen=True, slots=True)
class HttpAddress:
    host: str
    port: int


class Service:
    def __init__(
        self,
        settings: Settings,
        *,
        http: HttpAddress | None = None,
        clock: Clock = utc_now,
        watcher_factory: WatcherFactory | None = open_watcher,
        preset: Preset = SERVE,
        timings: Timings | None = None,
    ) -> None:
        """`watcher_factory` None: no watchers, every source is polled. `timings`
        replaces the preset's (tests pass `Timings.for_tests()`)."""
        self.settings = settings
        self.http = http
        self.clock = clock
        self.watcher_factory = watcher_factory
        self.preset = preset
        self.timings = timings or preset.timings
        self.stopping = threading.Event()
        self._wake = threading.Event()
        self._next_settings: Settings | None = None
        self._generation: Generation | None = None
        self._lock: InstanceLock | None = None
        self._leadership: Leadership | None = None
        self._lock_problem: str | None = None
        self._failure: ServiceFailure | None = None
        self._server: HealthServer | None = None
        self._pages: WebContext | None = None

    # -- control (thread-safe) ------------------------------------------------------

    def request_stop(self) -> None:
        self.stopping.set()
        self._wake.set()

    def restart_with(self, settings: Settings) -> None:
        self._next_settings = settings
        self._wake.set()

    def is_leader(self) -> bool:
        """Whether this replica may fetch now (always, on SQLite)."""
        leadership = self._leadership
        return leadership is not None and leadership.is_leader()

    @property
    def role(self) -> str | None:
        leadership = self._leadership
        return role_of(leadership) if leadership is not None else None

    def health(self) -> HealthReport:
        generation = self._generation
        role = self.role
        if generation is None or role is None:
            return HealthReport(False, ("starting",), role=role, live=True, ready=False)
        report = generation.health(role)
        problems = [p for p in (self._lock_problem, self._election_problem()) if p]
        if not problems:
            return report
        return replace(report, ok=False, ready=False, reasons=(*report.reasons, *problems))

    def _election_problem(self) -> str | None:
        leadership = self._leadership
        return leadership.problem() if leadership is not None else None

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
        shared = is_shared_state(self.settings.state)
        if not shared:
            self._lock = acquire_instance_lock(self.settings.state)
        try:
            self._generation = Generation(self.settings, self)
            self._leadership = self._open_leadership(shared)
            self._start_http()
            self._generation.start()
            self._leadership.start()
            self._follow_the_role()
            self._generation.log_serving(self.role)
            self._record_service(True, f"running, pid {os.getpid()}")
            self._serve()
        finally:
            self._shutdown()

    def _open_leadership(self, shared: bool) -> Leadership:
        replicas = self.settings.replicas
        if shared:
            url = engine_url(self.settings.state)
            return LeaderElection(url, replicas, on_change=self._wake.set, clock=self.clock)
        engine = create_store_engine(self.settings.state)
        return SoleLeader(engine, replicas, clock=self.clock, timings=self.timings)

    def _follow_the_role(self) -> None:
        """Start or stop the leader's work to match the election (main thread only)."""
        leadership, generation = self._leadership, self._generation
        if leadership is None or generation is None:
            return
        leadership.expire()
        if leadership.is_leader():
            generation.lead()
        else:
            generation.follow()

    def _serve(self) -> None:
        while not self.stopping.is_set():
            self._wake.wait(min(self.timings.supervise, self.settings.replicas.heartbeat_seconds))
            self._wake.clear()
            if self.stopping.is_set():
                break
            if self._failure is not None:
                raise self._failure
            if self._next_settings is not None:
                settings, self._next_settings = self._next_settings, None
                self._restart(settings)
            self._follow_the_role()
            if self._generation is not None:
                self._generation.supervise()

    def _restart(self, settings: Settings) -> None:
        old = self._generation
        if settings.state != self.settings.state:
            # the lock is on the running state: switching now would run unlocked
            log.warning("state: changed in the config; it takes effect after a restart")
            settings = settings.model_copy(update={"state": self.settings.state})
        try:
            fresh = Generation(settings, self)
        except Exception as e:  # noqa: BLE001 bulkhead: a config that cannot start keeps the running one
            log.error("the new config cannot start (%s); keeping the running one", e)
            metrics.RELOAD_OK.labels(what="config").set(0)
            if old is not None:
                old.jobs.retry_config_on_next_change()
                try:
                    detail = f"the new config cannot start: {e}"
                    old.jobs.status.record("config", False, detail, self.clock())
                except Exception:
                    log.warning("could not record the config error", exc_info=True)
            return
        if old is not None:
            old.stop(time.monotonic() + self.timings.stop)
        self.settings = settings
        fresh.start()
        self._generation = fresh
        self._follow_the_role()
        fresh.log_serving(self.role)

    def _start_http(self) -> None:
        if self.http is None:
            return
        from mailer.web.serving import pages_for  # the pages' stack only when serving

        self._pages = pages_for(self.http.host, lambda: self.settings, self.clock)
        try:
            self._server = HealthServer(
                self.http.host,
                self.http.port,
                self.health,
                self.refresh_metrics,
                ui=self._pages,
                extra_routes=self._extra_routes(),
            )
        except OSError as e:
            where = f"{self.http.host}:{self.http.port}"
            raise OSError(f"--http {where}: cannot listen there: {e.strerror}") from e
        self._server.start()

    def _extra_routes(self) -> list[BaseRoute]:
        """POST /slack/events for the Slack app of the running config (HTTP mode)."""
        if self.settings.slack_app is None:
            return []

        async def slack_events(request: Request) -> Response:
            generation = self._generation
            if generation is None or generation.slack_app is None:
                return PlainTextResponse("the Slack app is not running\n", status_code=503)
            response: Response = await generation.slack_app.handle_http(request)
            return response

        return [Route("/slack/events", slack_events, methods=["POST"])]

    def _shutdown(self) -> None:
        deadline = time.monotonic() + self.timings.stop
        self.stopping.set()
        self._record_service(False, "stopped")
        generation, self._generation = self._generation, None
        if generation is not None:
            log.info("stopping: finishing the message in hand")
            try:
                generation.stop(deadline)
            except Exception:
                log.exception("error while stopping")
        if self._leadership is not None:
            self._leadership.stop()  # after the work in hand: the lock goes to a standby
        if self._server is not None:
            self._server.stop()
        if self._pages is not None:
            self._pages.close()
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
