"""One generation of the service: everything started for one config (pipeline, jobs,
scheduler, and while this replica leads the watchers and the leader's jobs). A changed
config starts a new generation and stops the old one (`mailer.runtime.service`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from mailer.config.settings import Settings
from mailer.core.errors import MailerError
from mailer.rules import RuleSet
from mailer.runtime import metrics
from mailer.runtime.app import Pipeline
from mailer.runtime.health import FetchBoard, HealthReport, SourceHealth, evaluate_health
from mailer.runtime.jobs import ServiceJobs
from mailer.runtime.leader import release_claims_of_gone_replicas
from mailer.runtime.scheduler import (
    is_scheduler_alive,
    new_scheduler,
    poll_trigger,
    remove_leader_jobs,
    schedule_daily_feeds,
    schedule_leader_jobs,
    schedule_shared_jobs,
)
from mailer.sources import Source, is_watchable
from mailer.sources.watching import Watcher, WatchStatus

if TYPE_CHECKING:
    from mailer.runtime.service import Service
    from mailer.slackapp.server import SlackApp

log = logging.getLogger("mailer.runtime.service")  # one logger for the service's lines


class ServiceFailure(MailerError):
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


WatcherFactory = Callable[[Source, ServiceJobs], Watcher]


def open_watcher(source: Source, jobs: ServiceJobs) -> Watcher:
    """The source's own watcher (`WatchableSource.watcher`), sweeping through the jobs."""
    if not is_watchable(source):
        raise ValueError(f"source {source.name}: it cannot be watched")
    name = source.name
    return source.watcher(
        lambda: jobs.sweep(name),
        lambda error: jobs.record_fetch(name, error),
        jobs.timings,
    )


class Generation:
    """Everything started for one config: pipeline, jobs, scheduler, and while this
    replica leads (`lead()` until `follow()`) the watchers and the leader's jobs."""

    def __init__(
        self,
        settings: Settings,
        service: Service,
    ) -> None:
        self.settings = settings
        self.timings = service.timings
        self.pipeline = Pipeline.open(settings, clock=service.clock)
        self.board = FetchBoard(s.name for s in settings.sources)
        self.scheduler: BackgroundScheduler = new_scheduler(self.timings)
        self.jobs = ServiceJobs(
            self.pipeline,
            self.board,
            clock=service.clock,
            stopping=service.stopping,
            on_config_change=service.restart_with,
            on_rules_change=self._reschedule_feeds,
            may_fetch=service.is_leader,
            timings=self.timings,
        )
        self.watchers: list[Watcher] = []
        self.slack_app: SlackApp | None = None
        self.leading = False
        self._service = service
        self._watcher_factory = service.watcher_factory
        self._recorded_watch_errors: dict[str, str | None] = {}
        self._watchable: list[Source] = []
        self._exit_when_a_watcher_dies = service.preset.exit_when_a_watcher_dies
        try:  # here, not in start(): a config the scheduler refuses must not stop the old one
            for config in settings.sources:
                # ConfigError for a poll: that is not a cron expression
                poll_trigger(config, self.timings.default_poll)
            if self._watcher_factory is not None:
                opened = [self.pipeline.source(s.name) for s in settings.sources]
                self._watchable = [s for s in opened if s.capabilities.watchable]
            schedule_shared_jobs(self.scheduler, self.jobs, self.jobs.clock, self.timings)
            if settings.slack_app is not None:
                from mailer.slackapp.server import SlackApp  # loads slack-bolt only when used

                self.slack_app = SlackApp(
                    settings,
                    self.pipeline.store.engine,
                    clock=service.clock,
                    on_change=self._subscriptions_changed,
                )
        except BaseException:
            self.pipeline.close()
            raise

    def _subscriptions_changed(self) -> None:
        """A subscription was added, edited, paused or deleted in Slack: reload now."""
        self.jobs.reload_rules()

    def start(self) -> None:
        # the store first: once the scheduler runs /healthz says 200, and an error a past
        # run recorded must be cleared by then
        rules = self.pipeline.rules
        now = self.jobs.clock()
        self.jobs.status.record("rules", True, f"{len(rules.rules)} rules", now)
        self.jobs.status.record("config", True, None, now)  # clears an error of a past run
        for what in ("rules", "config"):
            metrics.RELOAD_OK.labels(what=what).set(1)
        self.scheduler.start()
        self.scheduler.add_job(
            self._verify_lock,
            IntervalTrigger(seconds=self.timings.lock_check),
            id="instance-lock",
            replace_existing=True,
        )
        if self.slack_app is not None:  # every replica answers Slack; the store is shared
            self.slack_app.start()

    def log_serving(self, role: str | None) -> None:
        log.info(
            "serving as %s: %d sources (%d watched), %d rules",
            "the leader" if role == "leader" else "a standby",
            len(self.settings.sources),
            len(self.watchers),
            len(self.pipeline.rules.rules),
        )

    def lead(self) -> None:
        """This replica became the leader: fetch now and on schedule, run the feeds."""
        if self.leading:
            return
        self.leading = True
        log.info("leading: fetching every source now, then on schedule")
        watched = {s.name for s in self._watchable}
        rules = self.pipeline.rules.enabled
        schedule_leader_jobs(
            self.scheduler,
            self.settings,
            rules,
            self.jobs,
            self.jobs.clock,
            watched,
            self.timings,
        )
        self.scheduler.add_job(
            self._release_claims_of_gone_replicas,
            IntervalTrigger(seconds=self.timings.gone_replicas),
            id="gone-replicas",
            replace_existing=True,
        )
        if self._watcher_factory is not None and self._watchable:
            for source in self._watchable:
                watcher = self._watcher_factory(source, self.jobs)
                watcher.start()
                self.watchers.append(watcher)
            self.scheduler.add_job(
                self._record_watcher_errors,
                IntervalTrigger(seconds=self.timings.watch_status),
                id="watchers",
                replace_existing=True,
            )

    def follow(self) -> None:
        """This replica is a standby now: no more fetches or leader's schedules. A fetch
        in progress stops before its next message (`ServiceJobs.may_fetch`)."""
        if not self.leading:
            return
        self.leading = False
        remove_leader_jobs(self.scheduler)
        for job_id in ("gone-replicas", "watchers"):
            if self.scheduler.get_job(job_id) is not None:
                self.scheduler.remove_job(job_id)
        for watcher in self.watchers:
            watcher.stop()  # returns at once; its thread ends within about a second
        self.watchers = []

    def _release_claims_of_gone_replicas(self) -> None:
        release_claims_of_gone_replicas(self.pipeline.store, self.jobs.clock())

    def _reschedule_feeds(self, ruleset: RuleSet) -> None:
        if not self.leading:
            return
        default_at = self.settings.delivery.default_daily_at
        feeds = schedule_daily_feeds(self.scheduler, ruleset.enabled, default_at, self.jobs)
        log.debug("daily feeds at %s", ", ".join(f.job_id for f in feeds) or "no time")

    def health(self, role: str) -> HealthReport:
        alive = is_scheduler_alive(self.scheduler)
        activities, now = self.jobs.activities(), self.jobs.clock()  # every replica delivers
        if not self.leading:  # a standby fetches nothing: the leader answers for sources
            return evaluate_health(alive, [], activities, now, role=role)
        watched = {w.name: watch_health(w.status()) for w in self.watchers}
        polled = [s for s in self.board.snapshot() if s.source not in watched]
        return evaluate_health(alive, [*polled, *watched.values()], activities, now, role=role)

    def _verify_lock(self) -> None:
        self._service.verify_lock()

    def supervise(self) -> None:
        """Raise ServiceFailure when the scheduler's thread is gone; replace watchers whose
        thread ended (it logged why) once they have been stopped `Timings.watcher_restart`
        seconds, or raise ServiceFailure for one with the `WATCH` preset."""
        if not is_scheduler_alive(self.scheduler):
            raise ServiceFailure("the scheduler stopped; nothing would run any more")
        if self._watcher_factory is None or self.jobs.stopping.is_set():
            return
        now = self.jobs.clock()
        for index, watcher in enumerate(self.watchers):
            status = watcher.status()
            if status.state != "stopped":
                continue
            if self._exit_when_a_watcher_dies:
                reason = status.last_error or "watcher stopped"
                raise ServiceFailure(f"source {watcher.name}: {reason}; exiting")
            if (now - status.since).total_seconds() < self.timings.watcher_restart:
                continue
            source = next((s for s in self._watchable if s.name == watcher.name), None)
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
        if self.slack_app is not None:
            self.slack_app.stop()
        for watcher in self.watchers:
            watcher.stop()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        for watcher in self.watchers:
            watcher.join(timeout=max(0.1, deadline - time.monotonic()))
        self.jobs.wait_idle(deadline)
        self.pipeline.close()
