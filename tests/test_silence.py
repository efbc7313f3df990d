"""Silence detection: when a newsletter is overdue, when a destination is failing."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from mailer.config.settings import ConfigError, load_settings
from mailer.core.keys import NoticeKey
from mailer.core.silence import (
    Expectation,
    ExpectError,
    decide_notice,
    destination_notice,
    is_destination_failing,
    is_overdue,
    parse_every,
    source_notice,
)

DAILY_BY_10 = Expectation(every=timedelta(days=1), by=time(10, 0), weekdays_only=True)
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("1d", timedelta(days=1)),
        ("12h", timedelta(hours=12)),
        ("30m", timedelta(minutes=30)),
        ("2w", timedelta(weeks=2)),
        (" 3 d ", timedelta(days=3)),
    ],
)
def test_parse_every_reads_periods(text: str, period: timedelta) -> None:
    assert parse_every(text) == period


@pytest.mark.parametrize("text", ["", "1", "d", "0d", "1y", "-1d", "one day"])
def test_parse_every_rejects_nonsense(text: str) -> None:
    with pytest.raises(ExpectError):
        parse_every(text)


@pytest.mark.parametrize(
    ("last", "now", "overdue"),
    [
        # Tuesday 2025-10-14: arrived 09:00, checked after 10:00 -> fine
        ("2025-10-14T09:00", "2025-10-14T11:00", False),
        # arrived Monday, Tuesday 10:00 passed -> overdue
        ("2025-10-13T09:00", "2025-10-14T10:30", True),
        # arrived Monday; Tuesday before 10:00 still fine
        ("2025-10-13T09:00", "2025-10-14T09:59", False),
        # Friday's digest covers the weekend and Monday before 10:00
        ("2025-10-10T09:00", "2025-10-12T23:00", False),
        ("2025-10-10T09:00", "2025-10-13T09:59", False),
        # Monday 10:00 looks back to Friday 10:00: Friday 09:00 is too old
        ("2025-10-10T09:00", "2025-10-13T10:01", True),
        # late arrival on Friday after 10:00 still counts for Monday
        ("2025-10-10T11:00", "2025-10-13T10:01", False),
    ],
)
def test_weekday_newsletter_is_overdue_only_after_a_missed_deadline(
    last: str, now: str, overdue: bool
) -> None:
    assert is_overdue(DAILY_BY_10, at(last), LONG_AGO, at(now)) is overdue


def test_no_alarm_before_the_first_deadline_after_watching_started() -> None:
    started = at("2025-10-14T10:30")  # a Tuesday, after the deadline
    assert not is_overdue(DAILY_BY_10, None, started, at("2025-10-14T23:00"))
    assert not is_overdue(DAILY_BY_10, None, started, at("2025-10-15T09:00"))
    assert not is_overdue(DAILY_BY_10, None, started, at("2025-10-15T10:01"))
    assert is_overdue(DAILY_BY_10, None, started, at("2025-10-16T10:01"))


def test_deadline_uses_the_expectations_time_zone() -> None:
    paris = Expectation(timedelta(days=1), time(10, 0), False, "Europe/Paris")
    # 10:00 in Paris is 08:00 UTC in summer time
    assert not is_overdue(paris, at("2025-07-01T07:00"), LONG_AGO, at("2025-07-02T07:59"))
    assert is_overdue(paris, at("2025-07-01T07:00"), LONG_AGO, at("2025-07-02T08:01"))


def test_without_by_the_period_alone_counts() -> None:
    hourly = Expectation(every=timedelta(hours=6))
    assert not is_overdue(hourly, at("2025-10-14T06:00"), LONG_AGO, at("2025-10-14T11:59"))
    assert is_overdue(hourly, at("2025-10-14T06:00"), LONG_AGO, at("2025-10-14T12:01"))


def test_weekly_newsletter_with_a_deadline() -> None:
    weekly = Expectation(every=timedelta(weeks=1), by=time(12, 0))
    assert not is_overdue(weekly, at("2025-10-08T09:00"), LONG_AGO, at("2025-10-15T11:00"))
    assert is_overdue(weekly, at("2025-10-08T09:00"), LONG_AGO, at("2025-10-15T12:01"))


def test_destination_failing_for_more_than_an_hour() -> None:
    now = at("2025-10-14T12:00")
    assert not is_destination_failing(None, now)
    assert not is_destination_failing(now - timedelta(minutes=59), now)
    assert is_destination_failing(now - timedelta(minutes=61), now)


def test_one_notice_when_it_goes_bad_and_one_when_it_recovers() -> None:
    assert decide_notice(is_bad=True, was_notified=False) == "problem"
    assert decide_notice(is_bad=True, was_notified=True) is None
    assert decide_notice(is_bad=False, was_notified=True) == "recovered"
    assert decide_notice(is_bad=False, was_notified=False) is None


def test_notice_texts_name_the_subject_and_what_to_do() -> None:
    notice = source_notice("hf", "problem", DAILY_BY_10, at("2025-10-10T09:00"))
    assert notice.key == NoticeKey.source("hf")
    assert notice.key.to_str() == "source:hf"
    assert "hf" in notice.subject
    assert "silent" in notice.subject
    assert "2025-10-10T09:00" in notice.text
    assert "10:00 UTC" in notice.text
    back = destination_notice("team-slack", "recovered", None)
    assert back.key == NoticeKey.destination("team-slack")
    assert "recovered" in back.subject


def test_the_config_rejects_an_expect_it_cannot_understand(tmp_path: Path) -> None:
    path = tmp_path / "mailer.yaml"
    path.write_text(
        "sources:\n  - name: a\n    kind: directory\n    path: .\n    expect: {every: 1x}\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert caught.value.problems == [
        f"{path}:5:13: sources.0.expect: every: '1x' is not a period such as 30m, 12h, 1d or 1w"
    ]


def test_without_by_a_weekend_neither_starts_nor_ends_a_silence() -> None:
    weekdays = Expectation(every=timedelta(days=1), weekdays_only=True)
    last = at("2025-10-08T09:00")  # Wednesday
    assert is_overdue(weekdays, last, LONG_AGO, at("2025-10-10T12:00"))  # Friday
    # Saturday and Sunday: still silent, so no "resumed" notice (then "went silent" Monday)
    assert is_overdue(weekdays, last, LONG_AGO, at("2025-10-11T12:00"))
    assert is_overdue(weekdays, last, LONG_AGO, at("2025-10-12T23:00"))
    # Friday's issue is not overdue over the weekend ...
    assert not is_overdue(weekdays, at("2025-10-10T09:00"), LONG_AGO, at("2025-10-12T12:00"))
    # ... and one that arrives on Saturday ends the silence
    assert not is_overdue(weekdays, at("2025-10-11T08:00"), LONG_AGO, at("2025-10-11T12:00"))
