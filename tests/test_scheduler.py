"""Which jobs `mailer serve` schedules, and when (no threads started)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, time
from pathlib import Path

import pytest
from apscheduler.triggers.cron import CronTrigger
from pydantic import ValidationError

from mailer.config.settings import Settings
from mailer.core.keys import DestinationRef
from mailer.core.models import NotifyTarget
from mailer.core.timings import Timings
from mailer.rules import Rule
from mailer.rules.rule import Condition
from mailer.runtime.scheduler import (
    FeedTime,
    daily_feed_times,
    new_scheduler,
    schedule_daily_feeds,
    schedule_jobs,
)

NOW = datetime(2025, 10, 14, 8, 0, tzinfo=UTC)


class NoJobs:
    def fetch_source(self, name: str) -> None: ...
    def deliver_due(self) -> None: ...
    def check_for_changes(self) -> None: ...
    def check_silence(self) -> None: ...
    def housekeeping(self) -> None: ...


def rule(name: str, *targets: NotifyTarget, enabled: bool = True) -> Rule:
    return Rule(name=name, match=Condition(), notify=targets, enabled=enabled)


def settings(tmp_path: Path) -> Settings:
    return Settings.model_validate(
        {
            "sources": [
                {"name": "dir", "kind": "directory", "path": str(tmp_path)},
                {"name": "hourly", "kind": "directory", "path": str(tmp_path), "poll": "0 * * * *"},
                {"name": "mail", "kind": "imap", "host": "127.0.0.1", "username": "a"},
            ],
            "destinations": {"team": {"kind": "console"}},
        }
    )


def test_daily_feed_times_are_distinct_per_time_and_zone() -> None:
    rules = [
        rule("a", NotifyTarget(DestinationRef.named("team"), "daily", time(9, 0), "Europe/Paris")),
        rule("b", NotifyTarget(DestinationRef.named("team"), "daily", time(9, 0), "Europe/Paris")),
        rule(
            "c",
            NotifyTarget(DestinationRef.named("team"), "daily", None, "UTC"),
            NotifyTarget(DestinationRef.named("team")),
        ),
        rule("off", NotifyTarget(DestinationRef.named("team"), "daily", time(7, 0)), enabled=False),
    ]
    assert daily_feed_times(rules, time(8, 30)) == [
        FeedTime(time(8, 30), "UTC"),
        FeedTime(time(9, 0), "Europe/Paris"),
    ]


def test_jobs_for_a_config(tmp_path: Path) -> None:
    scheduler = new_scheduler()
    rules = [
        rule("a", NotifyTarget(DestinationRef.named("team"), "daily", time(9, 0), "Europe/Paris"))
    ]
    schedule_jobs(scheduler, settings(tmp_path), rules, NoJobs(), lambda: NOW, watched={"mail"})
    scheduler.start(paused=True)  # applies the job defaults; runs nothing
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
    finally:
        scheduler.shutdown(wait=False)
    assert set(jobs) == {
        "poll:dir",
        "poll:hourly",
        "outbox",
        "reload",
        "silence",
        "housekeeping",
        "daily:09:00@Europe/Paris",
    }
    assert jobs["poll:dir"].args == ("dir",)
    assert jobs["poll:dir"].next_run_time == NOW  # fetched once at start-up
    assert str(jobs["poll:hourly"].trigger.fields[6]) == "0"  # minute field of "0 * * * *"
    daily = jobs["daily:09:00@Europe/Paris"].trigger
    assert isinstance(daily, CronTrigger)
    assert str(daily.timezone) == "Europe/Paris"
    for job in jobs.values():
        assert job.coalesce
        assert job.max_instances == 1
        assert job.misfire_grace_time >= 300


def test_an_imap_source_without_a_watcher_is_polled(tmp_path: Path) -> None:
    scheduler = new_scheduler()
    schedule_jobs(scheduler, settings(tmp_path), [], NoJobs(), lambda: NOW)
    assert "poll:mail" in {job.id for job in scheduler.get_jobs()}


def test_reloaded_rules_replace_the_daily_feed_jobs(tmp_path: Path) -> None:
    scheduler = new_scheduler()
    first = [rule("a", NotifyTarget(DestinationRef.named("team"), "daily", time(9, 0)))]
    schedule_jobs(scheduler, settings(tmp_path), first, NoJobs(), lambda: NOW)
    second = [
        rule("a", NotifyTarget(DestinationRef.named("team"), "daily", time(17, 30), "Asia/Tokyo"))
    ]
    schedule_daily_feeds(scheduler, second, time(9, 0), NoJobs())
    daily = [job.id for job in scheduler.get_jobs() if job.id.startswith("daily:")]
    assert daily == ["daily:17:30@Asia/Tokyo"]


class HungFetches(NoJobs):
    """Every fetch hangs (a dead mount, a server that never answers) until released."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.reloaded = threading.Event()

    def fetch_source(self, name: str) -> None:
        self.release.wait(30)

    def check_for_changes(self) -> None:
        self.reloaded.set()


def test_hung_fetches_do_not_starve_the_other_jobs(tmp_path: Path) -> None:
    sources = [{"name": f"dir{n}", "kind": "directory", "path": str(tmp_path)} for n in range(6)]
    many = Settings.model_validate(
        {"sources": sources, "destinations": {"team": {"kind": "console"}}}
    )
    jobs = HungFetches()
    scheduler = new_scheduler()
    # the reload job every 0.2 s (`Timings.reload`), not the service's 3 s
    fast = Timings(reload=0.2)
    schedule_jobs(scheduler, many, [], jobs, lambda: datetime.now(UTC), timings=fast)
    scheduler.start()
    try:
        assert jobs.reloaded.wait(10), "the reload job never ran while fetches hung"
    finally:
        jobs.release.set()
        scheduler.shutdown(wait=True)


def test_a_poll_that_is_not_a_cron_expression_is_refused_when_the_config_loads(
    tmp_path: Path,
) -> None:
    # at load, so `mailer check` refuses it at its line (the scheduler alone did, at start)
    with pytest.raises(ValidationError, match=r"'61 \* \* \* \*' is not a cron expression"):
        Settings.model_validate(
            {
                "sources": [
                    {"name": "d", "kind": "directory", "path": str(tmp_path), "poll": "61 * * * *"}
                ],
                "destinations": {"team": {"kind": "console"}},
            }
        )
