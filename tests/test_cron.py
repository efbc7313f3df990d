"""Cron expressions mean what crontab(5) says, although APScheduler 3 counts days from
Monday = 0 (`mailer.core.cron`)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from mailer.config.settings import DirectorySource
from mailer.core.cron import standard_crontab
from mailer.runtime.scheduler import poll_trigger

pytestmark = pytest.mark.unit

SATURDAY = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "days"),
    [
        ("0 9 * * 1", ["Monday", "Monday"]),  # fired on Tuesdays
        ("0 9 * * 1-5", ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Monday"]),
        ("0 9 * * 0", ["Sunday", "Sunday"]),
        ("0 9 * * 7", ["Sunday", "Sunday"]),  # was refused
        ("0 9 * * mon,fri", ["Monday", "Friday", "Monday"]),
        ("0 9 * * 5-7", ["Sunday", "Friday", "Saturday", "Sunday"]),
        ("0 9 * * */3", ["Sunday", "Wednesday", "Saturday", "Sunday"]),
    ],
)
def test_a_poll_schedule_fires_on_the_days_crontab_means(expression: str, days: list[str]) -> None:
    source = DirectorySource(name="d", kind="directory", path=Path("x"), poll=expression)
    trigger = poll_trigger(source)
    fired, at = [], SATURDAY
    for _ in days:
        at = trigger.get_next_fire_time(None, at)
        assert at is not None
        fired.append(at.strftime("%A"))
        at = at.replace(minute=1)
    assert fired == days


def test_every_other_field_and_anything_unreadable_is_left_as_written() -> None:
    assert standard_crontab("*/10 8-18 * * *") == "*/10 8-18 * * *"
    assert standard_crontab("every minute") == "every minute"
    assert standard_crontab("0 9 * * 9") == "0 9 * * 9"  # the scheduler refuses it at load
