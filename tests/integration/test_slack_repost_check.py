"""Before posting a part again that an earlier, killed try may have posted, the Slack
channel looks for the part's metadata marker in the channel or thread (local Slack API)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from render_batches import daily_feed_batch

from mailer.config.settings import Settings, load_settings
from mailer.core.keys import DestinationRef
from mailer.notify import ChannelContext, DeliveryInterrupted
from mailer.notify.render import render_slack
from mailer.notify.slack import MemoryProgress, Pacer, SlackChannel

from .conftest import FakeClock
from .slack_server import SlackServer

pytestmark = pytest.mark.integration

TOKEN = "xoxb-test-token"


def settings(tmp_path: Path, server: SlackServer, webhook: bool = False) -> Settings:
    team = (
        "{kind: slack, webhook_url_env: HOOK}" if webhook else '{kind: slack, channel: "#papers"}'
    )
    path = tmp_path / "mailer.yaml"
    path.write_text(
        f'slack: {{token_env: SLACK_BOT_TOKEN, api_url: "{server.api_url}"}}\n'
        f"destinations:\n  team-slack: {team}\n"
    )
    return load_settings(path, {"SLACK_BOT_TOKEN": TOKEN, "HOOK": server.webhook_url()})


class KilledAfterPost(MemoryProgress):
    """Progress that 'dies' (raises) at the save after part `part` reached Slack."""

    def __init__(self, part: int) -> None:
        super().__init__()
        self.part = part

    def save(self, key: str, state: dict[str, Any]) -> None:
        if state.get("sent") == self.part + 1 and "attempt" not in state:
            raise KeyboardInterrupt("killed between the post and its record")
        super().save(key, state)


def channel(settings: Settings, clock: FakeClock, progress: MemoryProgress) -> SlackChannel:
    return SlackChannel(
        "team-slack",
        settings.destination(DestinationRef.named("team-slack")),
        ChannelContext.from_settings(settings),
        pacer=Pacer(clock=clock, sleep=clock.sleep),
        progress=progress,
    )


@pytest.mark.parametrize("part", [0, 2], ids=["first part (channel)", "thread part"])
def test_a_part_that_reached_slack_before_a_crash_is_not_posted_again(
    tmp_path: Path, slack_server: SlackServer, fake_clock: FakeClock, part: int
) -> None:
    batch = daily_feed_batch(60)
    parts = len(render_slack(batch))
    progress = KilledAfterPost(part)
    with pytest.raises(KeyboardInterrupt):
        channel(settings(tmp_path, slack_server), fake_clock, progress).deliver(batch)
    assert len(slack_server.posts()) == part + 1
    saved = MemoryProgress()
    for key, state in progress._states.items():
        saved.save(key, state)
    channel(settings(tmp_path, slack_server), fake_clock, saved).deliver(batch)  # restarted
    posts = slack_server.posts()
    assert len(posts) == parts, "every part exactly once"
    history = [r for r in slack_server.requests if "conversations." in r.path]
    assert history, "the channel looked before posting again"
    if part:
        assert all(p.body["thread_ts"] == slack_server.timestamps[0] for p in posts[1:])


def test_a_webhook_cannot_look_and_posts_the_part_again(
    tmp_path: Path, slack_server: SlackServer, fake_clock: FakeClock
) -> None:
    batch = daily_feed_batch(60)
    progress = KilledAfterPost(0)
    with pytest.raises(KeyboardInterrupt):
        channel(settings(tmp_path, slack_server, webhook=True), fake_clock, progress).deliver(batch)
    saved = MemoryProgress()
    for key, state in progress._states.items():
        saved.save(key, state)
    channel(settings(tmp_path, slack_server, webhook=True), fake_clock, saved).deliver(batch)
    parts = len(render_slack(batch))
    assert len(slack_server.posts()) == parts + 1  # the first part once more, as documented


def test_a_stopping_service_stops_between_parts_with_progress_saved(
    tmp_path: Path, slack_server: SlackServer, fake_clock: FakeClock
) -> None:
    batch = daily_feed_batch(60)
    progress = MemoryProgress()
    sent = slack_server.posts
    with pytest.raises(DeliveryInterrupted):
        channel(settings(tmp_path, slack_server), fake_clock, progress).deliver_until(
            batch, lambda: len(sent()) >= 2
        )
    assert len(sent()) == 2
    channel(settings(tmp_path, slack_server), fake_clock, progress).deliver(batch)
    assert len(sent()) == len(render_slack(batch))
