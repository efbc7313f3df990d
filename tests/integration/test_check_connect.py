"""`mailer check --connect` logs in to a real Dovecot, a real SMTP server (STARTTLS,
AUTH) and a Slack API double, all on 127.0.0.1: passes with the right secrets, names
each server that refuses a wrong one, and never prints a secret."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailer.cli import cli

from .dovecot import PASSWORD as IMAP_PASSWORD
from .dovecot import USER as IMAP_USER
from .dovecot import DovecotServer
from .slack_server import SlackServer
from .smtp_server import PASSWORD as SMTP_PASSWORD
from .smtp_server import USER as SMTP_USER
from .smtp_server import SmtpServer

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::UserWarning"),
]
RULE = "rules:\n  - {name: r, match: {any: [LLM]}, notify: [{to: team-slack}, {to: mail}]}\n"


def write_config(root: Path, dovecot: DovecotServer, smtp: SmtpServer, slack: SlackServer) -> Path:
    (root / "rules").mkdir()
    (root / "rules" / "r.yaml").write_text(RULE)
    path = root / "mailer.yaml"
    path.write_text(f"""\
state: sqlite:///{root}/mailer.db
rules: {root}/rules
sources:
  - {{name: mail, kind: imap, host: 127.0.0.1, port: {dovecot.port}, security: none,
     username: {IMAP_USER}, password_env: IMAP_PASSWORD, connect_timeout: 5}}
slack: {{token_env: SLACK_BOT_TOKEN, api_url: "{slack.api_url}"}}
smtp:
  host: 127.0.0.1
  port: {smtp.port}
  security: starttls
  ca_file: {smtp.ca_file}
  username: {SMTP_USER}
  password_env: SMTP_PASSWORD
  from: "Paper alerts <papers@example.com>"
  timeout: 5
destinations:
  team-slack: {{kind: slack, channel: "#papers"}}
  mail: {{kind: email, to: [alice@example.com]}}
""")
    return path


def test_connect_logs_in_everywhere_and_names_each_refusal(
    tmp_path: Path,
    dovecot: DovecotServer,
    smtp_server_factory: Callable[..., SmtpServer],
    slack_server: SlackServer,
) -> None:
    smtp = smtp_server_factory(tls="starttls", auth=True)
    config = write_config(tmp_path, dovecot, smtp, slack_server)
    good = {
        "IMAP_PASSWORD": IMAP_PASSWORD,
        "SMTP_PASSWORD": SMTP_PASSWORD,
        "SLACK_BOT_TOKEN": slack_server.token,
    }
    result = CliRunner().invoke(cli, ["check", "--connect", "--config", str(config)], env=good)
    assert result.exit_code == 0, result.output
    assert "ok: source mail: logged in to 127.0.0.1" in result.output
    assert "ok: smtp: logged in to 127.0.0.1" in result.output
    assert "ok: destination team-slack: Slack token works (workspace Test" in result.output
    assert "ok: state: the state database opens" in result.output
    assert smtp.received == []
    assert slack_server.posts() == []

    wrong = {k: "wrong-" + v for k, v in good.items()}
    refused = CliRunner().invoke(cli, ["check", "--connect", "--config", str(config)], env=wrong)
    assert refused.exit_code == 1
    lines = refused.output.splitlines()
    assert any(line.startswith("source mail: ") and "ok:" not in line for line in lines)
    assert any(line.startswith("smtp: ") and "login refused" in line for line in lines)
    assert any(line.startswith("destination team-slack: ") and "invalid_auth" in line
               for line in lines)  # fmt: skip
    for secret in (*good.values(), *wrong.values()):
        if secret == "secret":  # Dovecot's test password is also a word of the output
            continue
        assert secret not in refused.output
        assert secret not in result.output
