"""Slack delivery against a Slack Web API stand-in on 127.0.0.1 (slack_server.py)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from render_batches import daily_feed_batch, three_paper_batch

from mailer.config.settings import Settings, load_settings
from mailer.core.keys import DestinationRef
from mailer.notify import ChannelContext, DeliveryError
from mailer.notify.render import render_slack
from mailer.notify.slack import MemoryProgress, Pacer, SlackChannel, classify

from .conftest import FakeClock
from .slack_server import Reply, SlackServer

pytestmark = pytest.mark.integration

TOKEN = "xoxb-test-token"


def settings_for(tmp_path: Path, yaml: str, **environ: str) -> Settings:
    path = tmp_path / "mailer.yaml"
    path.write_text(yaml, encoding="utf-8")
    return load_settings(path, {"SLACK_BOT_TOKEN": TOKEN, **environ})


def bot_settings(tmp_path: Path, server: SlackServer) -> Settings:
    return settings_for(
        tmp_path,
        f"""
slack: {{token_env: SLACK_BOT_TOKEN, api_url: "{server.api_url}"}}
destinations:
  team-slack: {{kind: slack, channel: "#papers"}}
""",
    )


def channel(
    settings: Settings, name: str, clock: FakeClock, progress: MemoryProgress | None = None
) -> SlackChannel:
    return SlackChannel(
        name,
        settings.destination(DestinationRef.parse(name)),
        ChannelContext.from_settings(settings),
        pacer=Pacer(clock=clock, sleep=clock.sleep),
        progress=progress or MemoryProgress(),
    )


def test_batch_arrives_as_one_message_without_unfurls_or_mentions(
    tmp_path: Path, slack_server: SlackServer, fake_clock: FakeClock
) -> None:
    settings = bot_settings(tmp_path, slack_server)
    channel(settings, "team-slack", fake_clock).deliver(three_paper_batch())
    [post] = slack_server.posts()
    assert post.path == "/api/chat.postMessage"
    assert post.headers["authorization"] == f"Bearer {TOKEN}"
    assert post.body["channel"] == "#papers"
    assert post.body["unfurl_links"] is False
    assert post.body["unfurl_media"] is False
    assert "link_names" not in post.body
    assert "parse" not in post.body
    assert post.body["blocks"] == render_slack(three_paper_batch())[0]["blocks"]


def test_rate_limited_three_times_then_ok_arrives_once(
    tmp_path: Path, slack_server: SlackServer, fake_clock: FakeClock
) -> None:
    slack_server.script(*[Reply.rate_limited(2)] * 3)
    channel(bot_settings(tmp_path, slack_server), "team-slack", fake_clock).deliver(
        three_paper_batch()
    )
    assert len(slack_server.attempts()) == 4
    assert len(slack_server.posts()) == 1
    assert fake_clock.sleeps.count(2) == 3, "waited Retry-After each time"


def test_long_retry_after_is_handed_to_the_outbox_instead_of_blocking(
    tmp_path: Path, slack_server: SlackServer, fake_clock: FakeClock
) -> None:
    slack_server.script(Reply.rate_limited(120))
    with pytest.raises(DeliveryError) as caught:
        channel(bot_settings(tmp_path, slack_server), "team-slack", fake_clock).deliver(
            three_paper_batch()
        )
    assert not caught.value.permanent
    assert caught.value.retry_after == 120
    assert max(fake_clock.sleeps, default=0) < 5


def test_server_down_for_a_minute_then_the_alert_arrives_once(
    tmp_path: Path, slack_server: SlackServer, fake_clock: FakeClock
) -> None:
    settings = bot_settings(tmp_path, slack_server)
    slack_server.down_until(fake_clock() + 60, fake_clock)
    attempts = 0
    while True:  # what the outbox does: retry later with backoff on a transient error
        attempts += 1
        try:
            channel(settings, "team-slack", fake_clock).deliver(three_paper_batch())
            break
        except DeliveryError as e:
            failure = e
            fake_clock.advance(settings.delivery.backoff_seconds)
        assert not failure.permanent
        assert "500" in failure.reason
        assert attempts < settings.delivery.max_attempts
    assert len(slack_server.posts()) == 1
    assert fake_clock() >= 1060


@pytest.mark.parametrize("code", ["channel_not_found", "not_in_channel", "is_archived"])
def test_permanent_error_fails_after_one_try_with_its_reason(
    tmp_path: Path, slack_server: SlackServer, fake_clock: FakeClock, code: str
) -> None:
    slack_server.fail_permanently(code)
    with pytest.raises(DeliveryError) as caught:
        channel(bot_settings(tmp_path, slack_server), "team-slack", fake_clock).deliver(
            three_paper_batch()
        )
    assert caught.value.permanent
    assert caught.value.reason == code
    assert len(slack_server.attempts()) == 1


def test_wrong_token_is_permanent_and_never_shown(
    tmp_path: Path, slack_server: SlackServer, fake_clock: FakeClock
) -> None:
    settings = settings_for(
        tmp_path,
        f'slack: {{token_env: OTHER, api_url: "{slack_server.api_url}"}}\n',
        OTHER="xoxb-wrong-secret-value",
    )
    with pytest.raises(DeliveryError) as caught:
        channel(settings, "slack:#papers", fake_clock).deliver(three_paper_batch())
    assert caught.value.permanent
    assert caught.value.reason == "invalid_auth"
    assert "xoxb-wrong" not in str(caught.value)
    assert "xoxb-wrong" not in repr(caught.value)


def test_missing_token_variable_is_permanent_and_names_the_variable(
    tmp_path: Path, slack_server: SlackServer, fake_clock: FakeClock
) -> None:
    settings = settings_for(tmp_path, "slack: {token_env: NOT_SET_ANYWHERE}\n")
    with pytest.raises(DeliveryError) as caught:
        channel(settings, "slack:#papers", fake_clock).deliver(three_paper_batch())
    assert caught.value.permanent
    assert "NOT_SET_ANYWHERE" in caught.value.reason


def test_direct_message_opens_the_dm_and_posts_there(
    tmp_path: Path, slack_server: SlackServer, fake_clock: FakeClock
) -> None:
    settings = bot_settings(tmp_path, slack_server)
    channel(settings, "slack_user:U0123ABCD", fake_clock).deliver(three_paper_batch())
    opened = [r for r in slack_server.requests if r.path == "/api/conversations.open"]
    assert [r.body["users"] for r in opened] == ["U0123ABCD"]
    assert [p.body["channel"] for p in slack_server.posts()] == ["D0123ABCD"]


def test_destination_api_url_wins_over_the_account(
    tmp_path: Path, slack_server: SlackServer, fake_clock: FakeClock
) -> None:
    settings = settings_for(
        tmp_path,
        f"""
slack: {{token_env: SLACK_BOT_TOKEN, api_url: "http://127.0.0.1:9/api/"}}
destinations:
  gov: {{kind: slack, channel: C0123, api_url: "{slack_server.api_url}"}}
""",
    )
    channel(settings, "gov", fake_clock).deliver(three_paper_batch())
    assert [p.body["channel"] for p in slack_server.posts()] == ["C0123"]


def test_webhook_destination_posts_payload_and_keeps_its_url_secret(
    tmp_path: Path,
    slack_server: SlackServer,
    fake_clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    url = slack_server.webhook_url("T1/B1/verysecretpart")
    settings = settings_for(
        tmp_path,
        "destinations:\n  hook: {kind: slack, webhook_url_env: HOOK}\n",
        HOOK=url,
    )
    channel(settings, "hook", fake_clock).deliver(three_paper_batch())
    [post] = slack_server.posts()
    assert post.path == "/webhook/T1/B1/verysecretpart"
    assert post.body["unfurl_links"] is False
    assert post.body["blocks"]
    slack_server.fail_permanently("channel_is_archived")
    with pytest.raises(DeliveryError) as caught:
        channel(settings, "hook", fake_clock).deliver(daily_feed_batch(2))
    assert caught.value.permanent
    assert "verysecretpart" not in str(caught.value)
    assert "verysecretpart" not in caplog.text


@pytest.mark.parametrize(
    "url",
    [
        "hooks.slack.com/services/T1/B1/verysecretpart",  # no scheme: urllib quoted it
        "htps://hooks.slack.com/services/T1/B1/verysecretpart",  # the SDK logged it
        "https://hooks.slack.com:99999/services/T1/B1/verysecretpart",
    ],
)
def test_malformed_webhook_url_is_permanent_and_never_shown(
    tmp_path: Path, fake_clock: FakeClock, caplog: pytest.LogCaptureFixture, url: str
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = settings_for(
        tmp_path, "destinations:\n  hook: {kind: slack, webhook_url_env: HOOK}\n", HOOK=url
    )
    with pytest.raises(DeliveryError) as caught:
        channel(settings, "hook", fake_clock).deliver(three_paper_batch())
    assert caught.value.permanent
    assert "HOOK" in caught.value.reason
    assert "verysecretpart" not in str(caught.value)
    assert "verysecretpart" not in caplog.text
    assert fake_clock.sleeps == [], "a broken URL is not retried"


@pytest.mark.parametrize(
    ("retry_after", "wait"),
    [("2", 2.0), ("nan", 1.0), ("-5", 1.0), ("inf", 3600.0), ("1e9", 3600.0)],
)
def test_odd_retry_after_values_give_a_wait_that_can_be_slept(
    retry_after: str, wait: float
) -> None:
    assert classify(429, "ratelimited", retry_after).retry_after == wait


def test_long_feed_goes_out_as_a_thread_paced_one_per_second(
    tmp_path: Path, slack_server: SlackServer, fake_clock: FakeClock
) -> None:
    batch = daily_feed_batch(120)
    parts = len(render_slack(batch))
    start = fake_clock()
    channel(bot_settings(tmp_path, slack_server), "team-slack", fake_clock).deliver(batch)
    posts = slack_server.posts()
    assert len(posts) == parts > 1
    assert "thread_ts" not in posts[0].body
    first_ts = slack_server.timestamps[0]
    assert all(p.body["thread_ts"] == first_ts for p in posts[1:])
    assert fake_clock() - start >= (parts - 1) * 1.0


def test_retry_after_part_two_failed_does_not_resend_part_one(
    tmp_path: Path, slack_server: SlackServer, fake_clock: FakeClock
) -> None:
    batch = daily_feed_batch(30)
    parts = render_slack(batch)
    assert len(parts) >= 3
    settings = bot_settings(tmp_path, slack_server)
    progress = MemoryProgress()
    slack_server.script(Reply(), *[Reply.server_error(503)] * 3)  # part 1 ok, part 2 fails
    with pytest.raises(DeliveryError):
        channel(settings, "team-slack", fake_clock, progress).deliver(batch)
    assert len(slack_server.posts()) == 1
    fake_clock.advance(30)
    channel(settings, "team-slack", fake_clock, progress).deliver(batch)
    posted = [p.body["blocks"] for p in slack_server.posts()]
    assert posted == [part["blocks"] for part in parts], "each part exactly once, in order"


def test_notice_is_posted_with_a_header(
    tmp_path: Path, slack_server: SlackServer, fake_clock: FakeClock
) -> None:
    settings = bot_settings(tmp_path, slack_server)
    channel(settings, "team-slack", fake_clock).send_notice("Newsletter silent", "HF <daily>")
    [post] = slack_server.posts()
    assert post.body["blocks"][0]["text"]["text"] == "Newsletter silent"
    assert "HF &lt;daily&gt;" in post.body["blocks"][1]["text"]["text"]
