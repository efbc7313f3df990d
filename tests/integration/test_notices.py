"""Silence and failing-destination notices reach the admin's Slack channel (the local
Slack API), once each, with the service's jobs run in-process on an injected clock."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from mailer.config.settings import load_settings
from mailer.runtime.app import Pipeline
from mailer.runtime.health import FetchBoard
from mailer.runtime.jobs import ServiceJobs

from .dovecot import free_port
from .slack_server import SlackServer

pytestmark = pytest.mark.integration

TUESDAY_1030 = datetime(2025, 10, 14, 10, 30, tzinfo=UTC)
DIGEST = b"""\
From: Paper Pulse <news@pulse.example>
To: me@example.com
Subject: Pulse
Message-ID: <p1@pulse.example>
Date: Tue, 14 Oct 2025 10:31:00 +0000
Content-Type: text/plain; charset=utf-8

Tiny Llamas: a small language model
https://arxiv.org/abs/2510.00001
We train a small language model.
"""


class Clock:
    def __init__(self) -> None:
        self.now = TUESDAY_1030

    def __call__(self) -> datetime:
        return self.now


def test_admin_hears_once_of_a_silent_newsletter_and_a_failing_destination(
    tmp_path: Path, slack_server: SlackServer
) -> None:
    (tmp_path / "inbox").mkdir()
    (tmp_path / "rules").mkdir()
    rule = {"name": "llm", "match": {"any": ["language model"]}, "notify": [{"to": "team"}]}
    (tmp_path / "rules" / "rules.yaml").write_text(yaml.safe_dump({"rules": [rule]}))
    unreachable = f"http://127.0.0.1:{free_port()}/api/"  # nothing listens: deliveries fail
    config = {
        "state": f"sqlite:///{tmp_path}/mailer.db",
        "rules": str(tmp_path / "rules"),
        "sources": [
            {
                "name": "pulse",
                "kind": "directory",
                "path": str(tmp_path / "inbox"),
                "expect": {"every": "1d", "by": "10:00"},
            }
        ],
        "slack": {"token_env": "TEST_SLACK_TOKEN", "api_url": slack_server.api_url},
        "destinations": {
            "team": {"kind": "slack", "channel": "#papers", "api_url": unreachable},
            "ops": {"kind": "slack", "channel": "#ops"},
        },
        "admin": "ops",
        "delivery": {"backoff_seconds": 1},
    }
    (tmp_path / "mailer.yaml").write_text(yaml.safe_dump(config))
    settings = load_settings(tmp_path / "mailer.yaml", {"TEST_SLACK_TOKEN": slack_server.token})
    clock = Clock()
    pipeline = Pipeline.open(settings, clock=clock)
    jobs = ServiceJobs(
        pipeline,
        FetchBoard(["pulse"]),
        clock=clock,
        stopping=threading.Event(),
        on_config_change=lambda _settings: None,
        on_rules_change=lambda _rules: None,
    )
    try:
        jobs.check_silence()  # starts watching on Tuesday 10:30
        clock.now += timedelta(minutes=1)
        (tmp_path / "inbox" / "1.eml").write_bytes(DIGEST)
        jobs.fetch_source("pulse")  # arrives; its alert to #papers fails
        jobs.wait_idle(time.monotonic() + 30)  # delivery runs in its own lane
        assert slack_server.posts() == []
        clock.now = TUESDAY_1030 + timedelta(days=2, minutes=1)  # Thursday: nothing since
        jobs.check_silence()
        jobs.check_silence()
    finally:
        pipeline.close()
    notices = [json.dumps(p.body) for p in slack_server.posts()]
    assert all(p.body["channel"] == "#ops" for p in slack_server.posts())
    assert len(notices) == 2, notices
    assert sum("pulse went silent" in n for n in notices) == 1
    assert sum("team failing" in n for n in notices) == 1
