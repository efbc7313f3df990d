"""Channels driven by the real outbox worker and store (SQLite in a temp directory):
retries are scheduled by the outbox's next_attempt_at, not by sleeping, and
`mailer outbox` shows why an alert went dead."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from render_batches import three_paper_batch

from mailer.cli import cli
from mailer.config.settings import Destination, Settings, load_settings
from mailer.core.models import MessageStatus, OutboxState
from mailer.notify import Channel, ChannelContext
from mailer.notify.registry import create_channel
from mailer.notify.slack import MemoryProgress, Pacer, SlackChannel
from mailer.runtime.delivery import OutboxWorker
from mailer.store import MessageRecord, NewAlert, Store

from .conftest import FakeClock
from .slack_server import Reply, SlackServer
from .smtp_server import SmtpServer

pytestmark = pytest.mark.integration

T0 = datetime(2025, 10, 14, 9, 0, tzinfo=UTC)
TOKEN = "xoxb-test-token"


def write_config(tmp_path: Path, slack: SlackServer, smtp_port: int) -> Path:
    path = tmp_path / "mailer.yaml"
    path.write_text(
        f"""
state: sqlite:///{tmp_path}/mailer.db
slack: {{token_env: SLACK_BOT_TOKEN, api_url: "{slack.api_url}"}}
smtp: {{host: 127.0.0.1, port: {smtp_port}, security: none, from: "Papers <p@example.com>"}}
destinations:
  team-slack: {{kind: slack, channel: "#papers"}}
  alice-email: {{kind: email, to: [alice@example.com]}}
delivery: {{backoff_seconds: 10, max_attempts: 10}}
""",
        encoding="utf-8",
    )
    return path


def enqueue_sample(store: Store, destination: str) -> None:
    batch = three_paper_batch(destination)
    record = MessageRecord("inbox", "INBOX", 1, "1", MessageStatus.PARSED, T0, message_id="<d@hf>")
    alerts = [
        NewAlert(
            batch.rule,
            item.paper.id,
            destination,
            batch.batch_key,
            due_at=T0,
            reasons=item.match.reasons,
            rule_description=batch.rule_description,
        )
        for item in batch.items
    ]
    store.record_message(record, [item.paper for item in batch.items], alerts)


@pytest.fixture
def setup(
    tmp_path: Path, slack_server: SlackServer, fake_clock: FakeClock
) -> Iterator[tuple[Settings, Path, Store, OutboxWorker]]:
    config = write_config(tmp_path, slack_server, smtp_port=1)
    settings = load_settings(config, {"SLACK_BOT_TOKEN": TOKEN})
    store = Store.open(settings.state)
    pacer, progress = Pacer(clock=fake_clock, sleep=fake_clock.sleep), MemoryProgress()

    def factory(name: str, destination: Destination, settings: Settings) -> Channel:
        if destination.kind == "slack":
            return SlackChannel(
                name,
                destination,
                ChannelContext.from_settings(settings),
                pacer=pacer,
                progress=progress,
            )
        return create_channel(name, destination, settings)

    yield settings, config, store, OutboxWorker(store, settings, channel_factory=factory)
    store.close()


def run_outbox_until(
    worker: OutboxWorker, clock: FakeClock, done: Callable[[], bool], step: float = 5.0
) -> int:
    """Call the worker as the service would, every `step` seconds of fake time."""
    rounds = 0
    while not done():
        rounds += 1
        assert rounds < 200, "never delivered"
        worker.deliver_due(T0 + timedelta(seconds=clock() - 1000))
        clock.advance(step)
    return rounds


def test_rate_limited_three_times_through_the_outbox_arrives_once(
    setup: tuple[Settings, Path, Store, OutboxWorker],
    slack_server: SlackServer,
    fake_clock: FakeClock,
) -> None:
    _, _, store, worker = setup
    enqueue_sample(store, "team-slack")
    slack_server.script(*[Reply.rate_limited(2)] * 3)
    run_outbox_until(worker, fake_clock, lambda: store.outbox_counts()[OutboxState.SENT] == 3)
    assert len(slack_server.posts()) == 1
    assert len(slack_server.attempts()) == 4
    worker.deliver_due(T0 + timedelta(hours=1))
    assert len(slack_server.posts()) == 1, "nothing sent twice"


def test_slack_down_for_a_minute_alerts_wait_and_arrive_once(
    setup: tuple[Settings, Path, Store, OutboxWorker],
    slack_server: SlackServer,
    fake_clock: FakeClock,
) -> None:
    _, _, store, worker = setup
    enqueue_sample(store, "team-slack")
    slack_server.down_until(fake_clock() + 60, fake_clock)
    run_outbox_until(worker, fake_clock, lambda: store.outbox_counts()[OutboxState.SENT] == 3)
    assert fake_clock() >= 1060
    assert len(slack_server.posts()) == 1
    assert len(slack_server.attempts()) > 2  # it really failed for a while


def test_channel_not_found_is_dead_after_one_try_and_mailer_outbox_says_why(
    setup: tuple[Settings, Path, Store, OutboxWorker],
    slack_server: SlackServer,
    fake_clock: FakeClock,
) -> None:
    _, config, store, worker = setup
    enqueue_sample(store, "team-slack")
    slack_server.fail_permanently("channel_not_found")
    worker.deliver_due(T0)
    worker.deliver_due(T0 + timedelta(hours=2))
    assert len(slack_server.attempts()) == 1
    assert store.outbox_counts()[OutboxState.DEAD] == 3
    result = CliRunner().invoke(cli, ["outbox", "--config", str(config)])
    assert result.exit_code in (0, 1), result.output
    assert "reason: channel_not_found" in result.output
    assert "3 dead" in result.output


def test_smtp_down_then_up_through_the_outbox_arrives_once(
    tmp_path: Path,
    slack_server: SlackServer,
    smtp_server_factory: Callable[..., SmtpServer],
    fake_clock: FakeClock,
) -> None:
    smtp = smtp_server_factory(start=False)
    settings = load_settings(write_config(tmp_path, slack_server, smtp.port), {})
    store = Store.open(settings.state)
    try:
        worker = OutboxWorker(store, settings)
        enqueue_sample(store, "alice-email")
        for minutes in (0, 1, 3):  # down for the first attempts
            worker.deliver_due(T0 + timedelta(minutes=minutes))
        assert store.outbox_counts()[OutboxState.RETRYING] == 3
        smtp.start()
        worker.deliver_due(T0 + timedelta(hours=1))
        worker.deliver_due(T0 + timedelta(hours=2))
        [received] = smtp.received
        message = received.message
        assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
        assert message["Subject"].startswith("Paper alerts · small-llms · 3 new")
        assert message["Message-ID"]
        assert message["Date"]
        assert store.outbox_counts()[OutboxState.SENT] == 3
    finally:
        store.close()
