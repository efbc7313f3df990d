"""A daily Slack feed posted in parts survives a restart: the pipeline is closed after
part 2 failed and opened again on the same database, and the retry posts only the
missing parts, in the first part's thread (SQLite and PostgreSQL, local Slack API)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pipeline_kit import digest_email, write_config
from render_batches import all_strings
from store_backends import state_url  # noqa: F401  (the parametrized fixture)

from mailer.config.settings import Settings, load_settings
from mailer.runtime.app import Pipeline

from .slack_server import Reply, Request, SlackServer

pytestmark = pytest.mark.integration

TOKEN = "xoxb-test-token"
T0 = datetime(2025, 10, 14, 6, 0, tzinfo=UTC)
FEED_TIME = datetime(2025, 10, 14, 9, 0, tzinfo=UTC)
PAPERS = 24  # three Slack messages' worth (each paper with link and 👍/👎 buttons)
FEED_RULE = {
    "name": "small-llms",
    "match": {"any": ["language model"]},
    "notify": [{"to": "team-slack", "mode": "daily", "at": "09:00"}],
}


def feed_settings(root: Path, slack: SlackServer, state: str) -> Settings:
    team_slack = {
        "kind": "slack",
        "channel": "#papers",
        "token_env": "SLACK_BOT_TOKEN",
        "api_url": slack.api_url,
    }
    path = write_config(
        root,
        [FEED_RULE],
        state=state,
        destinations={"team-slack": team_slack},
        # no pacing: the product's own pacer sleeps in real time
        delivery={"slack_min_interval": 0, "backoff_seconds": 30, "max_attempts": 5},
    )
    entries = [
        (f"2510.{n:05d}", f"Small language model number {n}", f"We train a {n}B language model.")
        for n in range(1, PAPERS + 1)
    ]
    (root / "inbox" / "feed.eml").write_bytes(digest_email("d1", T0, entries))
    return load_settings(path, {"SLACK_BOT_TOKEN": TOKEN})


def papers_in(post: Request) -> list[int]:
    """The paper numbers a posted message shows, in order."""
    text = " ".join(all_strings(post.body["blocks"]))
    return [int(n) for n in re.findall(r"Small language model number (\d+)\b", text)]


def test_a_restart_after_part_two_failed_posts_only_parts_two_and_three(
    tmp_path: Path,
    slack_server: SlackServer,
    state_url: str,  # noqa: F811
) -> None:
    settings = feed_settings(tmp_path, slack_server, state_url)
    first = Pipeline.open(settings)
    assert first.run_once(now=T0).delivery.messages == 0, "the feed waits for 09:00"
    # part 1 goes out; part 2 is refused for longer than a worker waits in place
    slack_server.script(Reply(), Reply.rate_limited(600))
    failed = first.run_once(now=FEED_TIME)
    assert failed.delivery.retrying == PAPERS
    [part_one] = slack_server.posts()
    first.close()  # the process ends: nothing of the feed's progress stays in memory

    again = Pipeline.open(settings)
    try:
        retried = again.run_once(now=FEED_TIME + timedelta(minutes=11))
        assert retried.delivery.sent == PAPERS
        assert retried.delivery.messages == 1
        posts = slack_server.posts()
        assert len(posts) == 3, "part 1 is not posted again"
        assert posts[0] is part_one, "part 1 is not posted again"
        assert "thread_ts" not in part_one.body
        assert [p.body["thread_ts"] for p in posts[1:]] == [slack_server.timestamps[0]] * 2
        shown = [n for post in posts for n in papers_in(post)]
        assert sorted(shown) == list(range(1, PAPERS + 1)), "every paper exactly once"
        again.run_once(now=FEED_TIME + timedelta(hours=1))
        assert len(slack_server.posts()) == 3, "nothing twice"
    finally:
        again.close()
