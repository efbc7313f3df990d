"""Credentials travel only over TLS to a host that is not this machine: a Slack
`api_url` (it carries the bot token) is checked at load, like IMAP and SMTP."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailer.config.settings import ConfigError, load_settings


def load(tmp_path: Path, text: str) -> None:
    (tmp_path / "mailer.yaml").write_text(text)
    load_settings(tmp_path / "mailer.yaml", {})


@pytest.mark.parametrize(
    "where",
    [
        'slack: {token_env: T, api_url: "http://slack.example.com/api/"}',
        'destinations: {team: {kind: slack, channel: "#x", api_url: "http://10.0.0.5/api/"}}',
    ],
    ids=["account", "destination"],
)
def test_a_plain_http_slack_api_url_to_a_remote_host_is_refused(tmp_path: Path, where: str) -> None:
    with pytest.raises(ConfigError) as error:
        load(tmp_path, where + "\n")
    assert "clear text" in str(error.value)
    assert "api_url" in str(error.value)


@pytest.mark.parametrize(
    "url", ["https://slack-gov.com/api/", "http://127.0.0.1:8080/api/", "http://localhost/api/"]
)
def test_https_or_loopback_slack_api_urls_load(tmp_path: Path, url: str) -> None:
    load(tmp_path, f'slack: {{token_env: T, api_url: "{url}"}}\n')
