"""`mailer serve` against a slow or failing Slack, as a user runs it (a subprocess, a
real Dovecot with IDLE, the local Slack API): a long feed does not hold back new mail,
SIGTERM stops a feed between parts within the grace period, and a SIGKILL loop does
not multiply posts. The figures each test prints are the ones in the report."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .dovecot import PASSWORD, DovecotServer, free_port, start_dovecot
from .slack_server import SlackServer
from .test_serve import (
    HF_DAILY,
    INBOX,
    ROOT,
    SLACK_TOKEN,
    Served,
    sample,
    served_config_head,
    wait_for,
)

pytestmark = pytest.mark.integration

LISTING = INBOX / "02-arxiv-cs-daily-2024-11-07.eml"  # 180 papers: a long Slack feed
FEED_PARTS = 18  # at least: the number of messages the rule below makes of it
GRACE_SECONDS = 20  # terminationGracePeriodSeconds in deploy/k8s, TimeoutStopSec in systemd
RULES = """\
rules:
  - name: everything
    match: {any: [the, a, of, and, for, with, to, in]}
    notify: [{to: team}]
  - name: qlora
    match: {any: [QLoRA]}
    notify: [{to: files}]
"""


def write_config(workdir: Path, mailbox: DovecotServer, slack: SlackServer) -> Path:
    (workdir / "rules").mkdir(exist_ok=True)
    (workdir / "rules" / "papers.yaml").write_text(RULES)
    config = workdir / "mailer.yaml"
    config.write_text(
        f"""\
{served_config_head(workdir, mailbox)}
slack:
  token_env: TEST_SLACK_TOKEN
  api_url: {slack.api_url}
destinations:
  team: {{kind: slack, channel: "#papers"}}
  files: {{kind: file, path: {workdir}/out}}
delivery:
  backoff_seconds: 1
"""
    )
    return config


@pytest.fixture
def mailbox() -> Iterator[DovecotServer]:
    directory = Path(tempfile.mkdtemp(prefix="mailer-hostile-"))
    directory.chmod(0o755)
    server = start_dovecot(directory)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def serve(
    tmp_path: Path, mailbox: DovecotServer, slack_server: SlackServer
) -> Iterator[Callable[[], Served]]:
    env = {
        **os.environ,
        "TEST_IMAP_PASSWORD": PASSWORD,
        "TEST_SLACK_TOKEN": SLACK_TOKEN,
        "PYTHONPATH": str(ROOT),
    }
    config = write_config(tmp_path, mailbox, slack_server)
    started: list[Served] = []

    def start() -> Served:
        served = Served(tmp_path, config, free_port(), env)
        started.append(served)
        return served

    yield start
    for served in started:
        served.close()


def feed_parts(slack: SlackServer) -> Counter[tuple[str, int]]:
    """Accepted posts per (batch, part), read from the marker each post carries."""
    counts: Counter[tuple[str, int]] = Counter()
    for post in slack.posts():
        metadata = post.body.get("metadata")
        if isinstance(metadata, str):
            metadata = json.loads(metadata)
        payload = (metadata or {}).get("event_payload") or {}
        counts[(str(payload.get("batch")), int(payload.get("part", -1)))] += 1
    return counts


def file_alerts(tmp_path: Path) -> list[Path]:
    out = tmp_path / "out"
    return sorted(out.glob("*.json")) if out.exists() else []


def test_a_new_digest_alerts_within_seconds_during_a_long_feed_and_sigterm_stops_it(
    tmp_path: Path,
    serve: Callable[[], Served],
    mailbox: DovecotServer,
    slack_server: SlackServer,
) -> None:
    slack_server.slow(0.5)  # 18 parts at one a second plus half a second each
    mailbox.append(sample(LISTING))  # read by the sweep at start-up
    served = serve()
    wait_for("/healthz 200", lambda: served.health() == 200, 30)
    wait_for("the feed to start", lambda: len(slack_server.posts()) >= 2, 30)

    mailbox.append(sample(HF_DAILY))
    appended = time.monotonic()
    wait_for("the QLoRA file alert", lambda: file_alerts(tmp_path), 15, every=0.05)
    delay = time.monotonic() - appended
    parts_by_then = len(slack_server.posts())
    print(f"file alert {delay:.1f}s after the email, while the feed was at part {parts_by_then}")
    assert delay < 10
    assert parts_by_then < 18, "the feed should still be going"
    status, body = served.get("/healthz")
    assert status == 200, body  # busy, not stuck
    assert json.loads(body)["busy"], "the feed in hand is shown"

    code, seconds = served.terminate()
    after_exit = len(slack_server.posts())
    time.sleep(2)
    print(f"SIGTERM mid-feed: exit {code} in {seconds:.1f}s after {after_exit} of 18 parts")
    assert code == 0
    assert seconds < GRACE_SECONDS
    assert len(slack_server.posts()) == after_exit, "posting went on after the exit"
    assert after_exit < 18

    slack_server.slow(0)
    again = serve()  # resumes where it stopped: the missing parts only, in the same thread
    wait_for("the rest of the feed", lambda: len(feed_parts(slack_server)) >= FEED_PARTS, 60)
    again.terminate()
    parts = feed_parts(slack_server)
    assert max(parts.values()) == 1, f"parts posted twice: {parts}"


def test_a_new_digest_alerts_within_seconds_while_slack_fails(
    tmp_path: Path,
    serve: Callable[[], Served],
    mailbox: DovecotServer,
    slack_server: SlackServer,
) -> None:
    slack_server.down_until(time.monotonic() + 3600, time.monotonic)  # every post: 500
    mailbox.append(sample(LISTING))  # read by the sweep at start-up
    served = serve()
    wait_for("/healthz 200", lambda: served.health() == 200, 30)
    wait_for("Slack to be failing", lambda: len(slack_server.attempts()) >= 1, 30)
    mailbox.append(sample(HF_DAILY))
    appended = time.monotonic()
    wait_for("the QLoRA file alert", lambda: file_alerts(tmp_path), 15, every=0.05)
    delay = time.monotonic() - appended
    print(f"file alert {delay:.1f}s after the email while every Slack post failed")
    assert delay < 10
    served.terminate()


def test_a_sigkill_loop_against_a_slow_slack_posts_each_part_at_most_once_more(
    tmp_path: Path,
    serve: Callable[[], Served],
    mailbox: DovecotServer,
    slack_server: SlackServer,
) -> None:
    slack_server.slow(1.0)  # each post reaches Slack a second before its answer
    mailbox.append(sample(LISTING))
    rng = random.Random(18)
    kills = 0
    for _ in range(8):
        served = serve()
        before = len(slack_server.requests)
        wait_for(
            "a post in flight",
            lambda before=before: len(slack_server.requests) > before,  # type: ignore[misc]
            60,
            every=0.05,
        )
        time.sleep(rng.uniform(0.1, 2.5))
        served.process.send_signal(signal.SIGKILL)
        served.process.wait()
        kills += 1
        if len(feed_parts(slack_server)) >= FEED_PARTS:
            break
    slack_server.slow(0)
    last = serve()
    wait_for("the whole feed", lambda: len(feed_parts(slack_server)) >= FEED_PARTS, 90)
    time.sleep(2)
    last.terminate()
    parts = feed_parts(slack_server)
    duplicates = sum(n - 1 for n in parts.values())
    print(f"SIGKILL loop: {kills} kills, {len(parts)} parts, {duplicates} duplicate posts")
    assert max(parts.values()) <= 2, f"a part posted more than once more: {parts}"
    assert duplicates <= 1, f"posted more than once more: {parts}"
