"""APScheduler wiring for the service (`mailer serve`, `mailer watch`): which job runs
when. The jobs themselves live in `mailer.runtime.jobs`; this module only decides their
triggers, with the intervals of a `mailer.core.timings.Timings`:

- every source is fetched once at start-up; sources without a watcher are then
  polled on their `poll:` cron expression (default: every `Timings.default_poll`
  seconds when set, else every 10 minutes, in UTC);
- the outbox worker runs every `Timings.outbox` seconds;
- each daily feed time (a rule's `at:` in its `timezone:`) triggers a delivery run;
- rule and config files are checked for changes every `Timings.reload` seconds;
- silence detection every `Timings.silence`; housekeeping nightly at 03:17 UTC.

With several replicas (`mailer.runtime.leader`) only the leader fetches and runs the daily
feeds, silence checks and housekeeping (`schedule_leader_jobs`, removed again by
`remove_leader_jobs` when it steps down); every replica runs the outbox and reloads
(`schedule_shared_jobs`).

Schedules are rebuilt in memory from the config and the rules at every start (no
APScheduler job store). Missed runs after downtime are caught up once: `coalesce`,
a generous `misfire_grace_time`, and one instance of a job at a time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, time
from typing import Protocol

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from mailer.config.settings import ConfigError, Settings
from mailer.config.settings import Source as SourceConfig
from mailer.core.cron import standard_crontab
from mailer.core.timings import Timings
from mailer.rules import Rule

log = logging.getLogger(__name__)

UTC_NAME = "UTC"
DEFAULT_POLL = "*/10 * * * *"
HOUSEKEEPING_CRON = "17 3 * * *"
SERVICE_TIMINGS = Timings()
DAILY_JOB_PREFIX = "daily:"
POLL_JOB_PREFIX = "poll:"
LEADER_JOB_IDS = frozenset({"silence", "housekeeping"})
FETCH_EXECUTOR = "fetch"


class Jobs(Protocol):
    """What the scheduler triggers (implemented by `mailer.runtime.jobs.ServiceJobs`)."""

    def fetch_source(self, name: str) -> None: ...
    def deliver_due(self) -> None: ...
    def check_for_changes(self) -> None: ...
    def check_silence(self) -> None: ...
    def housekeeping(self) -> None: ...


@dataclass(frozen=True, slots=True, order=True)
class FeedTime:
    """When daily feeds are delivered: a local time in a time zone."""

    at: time
    timezone: str

    @property
    def job_id(self) -> str:
        return f"{DAILY_JOB_PREFIX}{self.at.strftime('%H:%M')}@{self.timezone}"


def daily_feed_times(rules: Iterable[Rule], default_at: time) -> list[FeedTime]:
    """Every distinct (time, zone) of the enabled rules' daily feeds."""
    found = {
        FeedTime(target.at or default_at, target.timezone)
        for rule in rules
        if rule.enabled
        for target in rule.notify
        if target.mode == "daily"
    }
    return sorted(found)


def poll_trigger(source: SourceConfig, default_poll: float | None = None) -> BaseTrigger:
    """The source's `poll:` schedule, else every `default_poll` seconds (None: the
    default cron schedule); ConfigError when `poll:` is not a cron expression."""
    if source.poll is None and default_poll is not None:
        return IntervalTrigger(seconds=default_poll, timezone=UTC_NAME)
    expression = source.poll or DEFAULT_POLL
    try:
        return CronTrigger.from_crontab(standard_crontab(expression), timezone=UTC_NAME)
    except ValueError as e:
        raise ConfigError(
            [
                f"sources: {source.name}: poll: {expression!r} is not a cron expression"
                f' such as "*/10 * * * *" ({e})'
            ]
        ) from e


def is_scheduler_alive(scheduler: BackgroundScheduler) -> bool:
    """Running, and its thread too: an exception escaping APScheduler's loop (a trigger
    that raises, say) ends the thread while `scheduler.running` stays True."""
    thread = getattr(scheduler, "_thread", None)  # APScheduler 3.x BackgroundScheduler
    return bool(scheduler.running) and thread is not None and thread.is_alive()


def new_scheduler(timings: Timings = SERVICE_TIMINGS) -> BackgroundScheduler:
    return BackgroundScheduler(
        timezone=UTC_NAME,
        job_defaults={
            "coalesce": True,
            "misfire_grace_time": timings.misfire_grace,
            "max_instances": 1,
        },
        executors={
            "default": {"type": "threadpool", "max_workers": 4},
            # fetches wait on the network: hung ones must not starve delivery, reload
            # and the lock check, which run on the default executor
            FETCH_EXECUTOR: {"type": "threadpool", "max_workers": 4},
        },
    )


def schedule_jobs(
    scheduler: BackgroundScheduler,
    settings: Settings,
    rules: Iterable[Rule],
    jobs: Jobs,
    now: Callable[[], datetime],
    watched: Collection[str] = (),
    timings: Timings = SERVICE_TIMINGS,
) -> None:
    """Add every job for this config and these rules, as for a sole instance."""
    schedule_shared_jobs(scheduler, jobs, now, timings)
    schedule_leader_jobs(scheduler, settings, rules, jobs, now, watched, timings)


def schedule_shared_jobs(
    scheduler: BackgroundScheduler,
    jobs: Jobs,
    now: Callable[[], datetime],
    timings: Timings = SERVICE_TIMINGS,
) -> None:
    """The jobs every replica runs: delivery from the outbox, reloading changed files."""
    every: list[tuple[str, Callable[[], None], float, datetime | None]] = [
        ("outbox", jobs.deliver_due, timings.outbox, now()),
        ("reload", jobs.check_for_changes, timings.reload, None),
    ]
    for job_id, func, seconds, first in every:
        trigger = IntervalTrigger(seconds=seconds, timezone=UTC_NAME)
        _add(scheduler, job_id, func, trigger, next_run_time=first)


def schedule_leader_jobs(
    scheduler: BackgroundScheduler,
    settings: Settings,
    rules: Iterable[Rule],
    jobs: Jobs,
    now: Callable[[], datetime],
    watched: Collection[str] = (),
    timings: Timings = SERVICE_TIMINGS,
) -> None:
    """The leader's jobs (the scheduler may be running): a fetch of each source now and
    on its `poll:`, silence checks, housekeeping and the daily feeds.

    Sources named in `watched` have a watcher thread that fetches at start and on
    every IDLE push: they get no poll job."""
    start = now()  # the jobs that run once at start-up, then on their schedule
    for source in settings.sources:
        if source.name not in watched:
            _add(
                scheduler,
                f"{POLL_JOB_PREFIX}{source.name}",
                _PolledFetch(jobs),
                poll_trigger(source, timings.default_poll),
                args=[source.name],
                next_run_time=start,
                executor=FETCH_EXECUTOR,
            )
    silence = IntervalTrigger(seconds=timings.silence, timezone=UTC_NAME)
    _add(scheduler, "silence", jobs.check_silence, silence, next_run_time=start)
    housekeeping = CronTrigger.from_crontab(standard_crontab(HOUSEKEEPING_CRON), timezone=UTC_NAME)
    _add(scheduler, "housekeeping", jobs.housekeeping, housekeeping)
    schedule_daily_feeds(scheduler, rules, settings.delivery.default_daily_at, jobs)


class _PolledFetch:
    """A poll job: `jobs.fetch_source`, which records and logs a failed fetch itself; a
    round that still fails (its delivery, say) is logged here and polled again."""

    def __init__(self, jobs: Jobs) -> None:
        self.jobs = jobs

    def __call__(self, name: str) -> None:
        try:
            self.jobs.fetch_source(name)
        except Exception:  # the poll must outlive one bad round
            log.exception("source %s: polling failed; trying again", name)


def remove_leader_jobs(scheduler: BackgroundScheduler) -> None:
    """Take the leader's jobs off (a run in progress finishes; fetches check the role
    before each message)."""
    for job in scheduler.get_jobs():
        if job.id.startswith((POLL_JOB_PREFIX, DAILY_JOB_PREFIX)) or job.id in LEADER_JOB_IDS:
            job.remove()


def schedule_daily_feeds(
    scheduler: BackgroundScheduler, rules: Iterable[Rule], default_at: time, jobs: Jobs
) -> list[FeedTime]:
    """(Re)place the daily feed jobs to match the rules: after a reload too."""
    wanted = daily_feed_times(rules, default_at)
    wanted_ids = {feed.job_id for feed in wanted}
    for job in scheduler.get_jobs():
        if job.id.startswith(DAILY_JOB_PREFIX) and job.id not in wanted_ids:
            job.remove()
    for feed in wanted:
        trigger = CronTrigger(hour=feed.at.hour, minute=feed.at.minute, timezone=feed.timezone)
        _add(scheduler, feed.job_id, jobs.deliver_due, trigger)
    return wanted


def _add(
    scheduler: BackgroundScheduler,
    job_id: str,
    func: Callable[..., None],
    trigger: BaseTrigger,
    *,
    args: list[object] | None = None,
    next_run_time: datetime | None = None,
    executor: str = "default",
) -> None:
    options: dict[str, object] = {
        "id": job_id,
        "name": job_id,
        "replace_existing": True,
        "executor": executor,
    }
    if next_run_time is not None:
        options["next_run_time"] = next_run_time
    scheduler.add_job(func, trigger, args=args or [], **options)
