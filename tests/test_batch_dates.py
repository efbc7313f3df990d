"""A message is dated by its alerts, not by when it finally goes out: an immediate
alert retried after midnight still says the digest's day, a daily feed sent late
says the feed's day and time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipeline_kit import Recorder, digest_email, settings_for, write_config

from mailer.notify import DeliveryError
from mailer.notify.render_email import render_email
from mailer.runtime.app import Pipeline

LATE_EVENING = datetime(2025, 10, 14, 23, 50, tzinfo=UTC)  # a Tuesday
LLM = ("2510.00001", "Tiny Llamas: a small language model at 1B", "We train a 1B language model.")


def open_pipeline(tmp_path: Path, notify: dict[str, str]) -> tuple[Pipeline, Recorder]:
    rule = {"name": "small-llms", "match": {"any": ["language model"]}, "notify": [notify]}
    recorder = Recorder()
    settings = settings_for(write_config(tmp_path, [rule]))
    (tmp_path / "inbox" / "1.eml").write_bytes(digest_email("d1", LATE_EVENING, [LLM]))
    return Pipeline.open(settings, channel_factory=recorder), recorder


def test_an_immediate_alert_retried_after_midnight_keeps_the_day_it_arrived(
    tmp_path: Path,
) -> None:
    pipe, recorder = open_pipeline(tmp_path, {"to": "team"})
    recorder.failures.append(DeliveryError("SMTP server timed out"))
    assert pipe.run_once(now=LATE_EVENING).delivery.retrying == 1
    next_day = LATE_EVENING + timedelta(minutes=30)  # Wednesday
    assert pipe.run_once(now=next_day).delivery.sent == 1
    [batch] = recorder.batches
    assert batch.created == LATE_EVENING, "when the alert was enqueued"
    assert render_email(batch).subject.endswith("(Tue 14 Oct)")
    pipe.close()


def test_a_daily_feed_sent_late_is_dated_by_its_feed_time(tmp_path: Path) -> None:
    feed = {"to": "team", "mode": "daily", "at": "09:00", "timezone": "Europe/Paris"}
    pipe, recorder = open_pipeline(tmp_path, feed)
    pipe.run_once(now=LATE_EVENING)  # joins Wednesday's feed, 09:00 in Paris
    days_later = datetime(2025, 10, 17, 12, 0, tzinfo=UTC)  # the service was down
    assert pipe.run_once(now=days_later).delivery.sent == 1
    [batch] = recorder.batches
    assert batch.created == datetime(2025, 10, 15, 7, 0, tzinfo=UTC)
    assert render_email(batch).subject.endswith("(Wed 15 Oct)")
    pipe.close()
