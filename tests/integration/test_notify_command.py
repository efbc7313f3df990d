"""`mailer notify test DESTINATION` against the local Slack API and SMTP servers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailer.cli import cli

from .slack_server import SlackServer
from .smtp_server import SmtpServer

pytestmark = pytest.mark.integration
SLACK_TOKEN = "xoxb-test-token"  # what the Slack stand-in accepts; never a real one


def write_config(tmp_path: Path, slack: SlackServer, smtp: SmtpServer) -> Path:
    path = tmp_path / "mailer.yaml"
    path.write_text(
        f"""
slack: {{token_env: SLACK_BOT_TOKEN, api_url: "{slack.api_url}"}}
smtp: {{host: 127.0.0.1, port: {smtp.port}, security: none, from: "Papers <p@example.com>"}}
destinations:
  team-slack: {{kind: slack, channel: "#papers"}}
""",
        encoding="utf-8",
    )
    return path


def run(config: Path, *args: str) -> tuple[int, str]:
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["notify", "test", *args, "--config", str(config)],
        env={"SLACK_BOT_TOKEN": SLACK_TOKEN},
    )
    return result.exit_code, result.output


def test_sample_alert_reaches_a_named_slack_destination(
    tmp_path: Path, slack_server: SlackServer, smtp_server: SmtpServer
) -> None:
    code, output = run(write_config(tmp_path, slack_server, smtp_server), "team-slack")
    assert code == 0, output
    assert "sent a sample alert (3 papers) to team-slack" in output
    [post] = slack_server.posts()
    assert post.body["channel"] == "#papers"
    assert "TinyReasoner" in post.body["text"]


def test_inline_targets_work_too(
    tmp_path: Path, slack_server: SlackServer, smtp_server: SmtpServer
) -> None:
    config = write_config(tmp_path, slack_server, smtp_server)
    assert run(config, "slack:#random")[0] == 0
    assert run(config, "slack_user:U0ABC")[0] == 0
    assert [p.body["channel"] for p in slack_server.posts()] == ["#random", "D0ABC"]


def test_permanent_failure_exits_1_with_the_reason(
    tmp_path: Path, slack_server: SlackServer, smtp_server: SmtpServer
) -> None:
    slack_server.fail_permanently("not_in_channel")
    code, output = run(write_config(tmp_path, slack_server, smtp_server), "team-slack")
    assert code == 1
    assert "not_in_channel" in output
    assert "fix the config" in output


def test_unknown_destination_exits_2_and_lists_the_defined_ones(
    tmp_path: Path, slack_server: SlackServer, smtp_server: SmtpServer
) -> None:
    code, output = run(write_config(tmp_path, slack_server, smtp_server), "nowhere")
    assert code == 2
    assert "team-slack" in output


def test_email_sample_as_a_user_runs_it(
    tmp_path: Path, slack_server: SlackServer, smtp_server: SmtpServer
) -> None:
    config = write_config(tmp_path, slack_server, smtp_server)
    command = ["notify", "test", "email:bob@example.com", "--config", str(config)]
    result = subprocess.run(
        [sys.executable, "-m", "mailer", *command],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "SLACK_BOT_TOKEN": "unused"},
    )
    assert result.returncode == 0, result.stderr
    [received] = smtp_server.received
    assert received.rcpt_tos == ["bob@example.com"]
    assert received.message["Subject"].startswith("Paper alerts · sample · 3 new")
