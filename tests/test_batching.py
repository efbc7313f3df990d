"""Which batch an alert joins and when it is due (pure), and the file/console channels."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from mailer.config.settings import ConsoleDestination, FileDestination, Settings
from mailer.core.batching import batch_for, plan_alerts
from mailer.core.keys import BatchKey, DestinationRef
from mailer.core.models import AlertBatch, AlertItem, Match, MatchReason, NotifyTarget, Paper
from mailer.notify import ChannelContext
from mailer.notify.console import ConsoleChannel
from mailer.notify.file import FileChannel
from mailer.runtime.delivery import retry_delay

NINE = time(9, 0)


@pytest.mark.parametrize(
    ("now", "zone", "key", "due"),
    [
        # 08:00 in Paris (summer time, UTC+2): today's feed at 09:00 Paris = 07:00 UTC
        (
            "2025-10-14T06:00:00+00:00",
            "Europe/Paris",
            BatchKey.parse("day:2025-10-14"),
            "2025-10-14T07:00:00+00:00",
        ),
        # exactly at the time: still today's feed, due now
        (
            "2025-10-14T07:00:00+00:00",
            "Europe/Paris",
            BatchKey.parse("day:2025-10-14"),
            "2025-10-14T07:00:00+00:00",
        ),
        # after today's time: tomorrow's feed
        (
            "2025-10-14T07:00:01+00:00",
            "Europe/Paris",
            BatchKey.parse("day:2025-10-15"),
            "2025-10-15T07:00:00+00:00",
        ),
        # the local date differs from the UTC date
        (
            "2025-10-14T23:30:00+00:00",
            "Asia/Tokyo",
            BatchKey.parse("day:2025-10-15"),
            "2025-10-15T00:00:00+00:00",
        ),
        (
            "2025-10-14T20:00:00+00:00",
            "America/New_York",
            BatchKey.parse("day:2025-10-15"),
            "2025-10-15T13:00:00+00:00",
        ),
        # across the end of summer time in Paris (26 Oct 2025): 09:00 is UTC+1 again
        (
            "2025-10-25T12:00:00+00:00",
            "Europe/Paris",
            BatchKey.parse("day:2025-10-26"),
            "2025-10-26T08:00:00+00:00",
        ),
    ],
)
def test_a_daily_alert_joins_the_next_feed_in_the_rules_timezone(
    now: str, zone: str, key: BatchKey, due: str
) -> None:
    target = NotifyTarget(DestinationRef.named("team"), mode="daily", at=NINE, timezone=zone)
    assert batch_for(target, "m", datetime.fromisoformat(now), NINE) == (
        key,
        datetime.fromisoformat(due),
    )


def test_an_immediate_alert_joins_its_messages_batch_and_is_due_now() -> None:
    now = datetime(2025, 10, 14, 6, 0, tzinfo=UTC)
    assert batch_for(NotifyTarget(DestinationRef.named("team")), "inbox/INBOX/7/41", now, NINE) == (
        BatchKey.parse("msg:inbox/INBOX/7/41"),
        now,
    )


def test_the_default_daily_time_applies_when_a_rule_gives_none() -> None:
    target = NotifyTarget(DestinationRef.named("team"), mode="daily")
    now = datetime(2025, 10, 14, 6, 0, tzinfo=UTC)
    assert batch_for(target, "m", now, time(7, 30))[1] == datetime(2025, 10, 14, 7, 30, tzinfo=UTC)


def test_plan_alerts_makes_one_alert_per_match_and_target() -> None:
    now = datetime(2025, 10, 14, 6, 0, tzinfo=UTC)
    matches = [Match("r", "arxiv:1"), Match("r", "arxiv:2"), Match("gone", "arxiv:1")]
    targets = {
        "r": (
            NotifyTarget(DestinationRef.named("a")),
            NotifyTarget(DestinationRef.named("b"), mode="daily"),
        )
    }
    alerts = plan_alerts(matches, targets, {"r": "desc"}, "m", now, NINE)
    assert [(a.paper_id, a.destination, a.batch_key) for a in alerts] == [
        ("arxiv:1", "a", BatchKey.parse("msg:m")),
        ("arxiv:1", "b", BatchKey.parse("day:2025-10-14")),
        ("arxiv:2", "a", BatchKey.parse("msg:m")),
        ("arxiv:2", "b", BatchKey.parse("day:2025-10-14")),
    ]


def test_retry_delays_double_up_to_the_limit_and_honour_retry_after() -> None:
    settings = Settings.model_validate(
        {"delivery": {"backoff_seconds": 30, "backoff_max_seconds": 100}}
    )
    assert [retry_delay(n, settings, None) for n in (1, 2, 3, 4)] == [30, 60, 100, 100]
    assert retry_delay(1, settings, 90) == 90
    assert retry_delay(3, settings, 5) == 100
    assert retry_delay(1100, settings, None) == 100  # with max_attempts set very high
    assert retry_delay(1, settings, 1e300) == 86_400  # a bogus Retry-After: a day at most


def batch(created: datetime) -> AlertBatch:
    paper = Paper(
        id="arxiv:2510.00001",
        title="<!channel> Tiny Llamas",
        format="hf-daily",
        arxiv_id="2510.00001",
        url="https://huggingface.co/papers/2510.00001",
    )
    match = Match("small-llms", paper.id, (MatchReason("term", "*llama* in title"),))
    return AlertBatch(
        "small-llms", "preview", BatchKey.parse("msg:m"), (AlertItem(paper, match),), created
    )


def test_the_file_channel_writes_new_files_and_never_overwrites(tmp_path: Path) -> None:
    settings = Settings()
    channel = FileChannel(
        "preview",
        FileDestination(kind="file", path=tmp_path / "out"),
        ChannelContext.from_settings(settings),
    )
    created = datetime(2025, 10, 14, 9, 0, tzinfo=UTC)
    channel.deliver(batch(created))
    channel.deliver(batch(created))  # the same batch again (a crash before it was recorded)
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert len(names) == 8
    stem = min((name.split(".")[0] for name in names), key=len)
    assert stem.startswith("2025-10-14T090000Z-small-llms-preview-")
    assert f"{stem}-2.json" in names
    assert f"{stem}.eml" in names
    assert f"{stem}.slack.json" in names
    record = json.loads((tmp_path / "out" / f"{stem}.json").read_text())
    assert record["alerts"][0]["paper_id"] == "arxiv:2510.00001"
    assert "<!channel>" not in (tmp_path / "out" / f"{stem}.slack.json").read_text()
    channel.deliver(batch(created + timedelta(seconds=1)))
    assert len(list((tmp_path / "out").iterdir())) == 12


def test_the_console_channel_prints_the_text_rendering() -> None:
    out = io.StringIO()
    ConsoleChannel(
        "console", ConsoleDestination(kind="console"), ChannelContext(), stream=out
    ).deliver(batch(datetime(2025, 10, 14, 9, 0, tzinfo=UTC)))
    assert "Tiny Llamas" in out.getvalue()
    assert "small-llms" in out.getvalue()


def test_the_file_channel_record_is_whole_or_absent_when_writing_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The .json record (written last) appears only whole: a process killed while writing
    it (here: stopped before the rename) leaves no empty or partial record."""
    import os

    channel = FileChannel(
        "preview",
        FileDestination(kind="file", path=tmp_path / "out"),
        ChannelContext.from_settings(Settings()),
    )

    def killed(*args: object) -> None:
        raise SystemExit("killed")

    monkeypatch.setattr(os, "replace", killed)
    with pytest.raises(SystemExit):
        channel.deliver(batch(datetime(2025, 10, 14, 9, 0, tzinfo=UTC)))
    out = tmp_path / "out"
    assert [p for p in out.glob("*.json") if not p.name.endswith(".slack.json")] == []
    monkeypatch.undo()
    channel.deliver(batch(datetime(2025, 10, 14, 9, 0, tzinfo=UTC)))  # delivered again
    [record] = [p for p in out.glob("*.json") if not p.name.endswith(".slack.json")]
    assert json.loads(record.read_text())["alerts"][0]["paper_id"] == "arxiv:2510.00001"
