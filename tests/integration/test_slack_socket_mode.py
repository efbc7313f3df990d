"""Socket Mode: the app opens its connection with `apps.connections.open` (the xapp-
token) on the local Slack double, which hands out a ws:// URL served by a local
WebSocket server; envelopes sent there are acked and handled like HTTP requests."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mailer.config.settings import load_settings
from mailer.runtime.app import Pipeline
from mailer.slackapp.server import SlackApp

from .slack_server import SlackServer
from .socket_server import SocketModeServer

pytestmark = pytest.mark.integration


@pytest.fixture
def socket_server() -> Iterator[SocketModeServer]:
    server = SocketModeServer().start()
    yield server
    server.stop()


def test_socket_mode_acks_envelopes_and_subscribes(
    tmp_path: Path, slack_server: SlackServer, socket_server: SocketModeServer
) -> None:
    slack_server.socket_url = socket_server.url
    (tmp_path / "rules").mkdir()
    config = tmp_path / "mailer.yaml"
    config.write_text(
        f"""\
state: sqlite:///{tmp_path}/mailer.db
rules: [{tmp_path}/rules]
slack: {{token_env: SLACK_BOT_TOKEN, api_url: "{slack_server.api_url}"}}
slack_app: {{app_token_env: SLACK_APP_TOKEN}}
"""
    )
    settings = load_settings(
        config, {"SLACK_BOT_TOKEN": slack_server.token, "SLACK_APP_TOKEN": slack_server.app_token}
    )
    pipeline = Pipeline.open(settings)
    app = SlackApp(
        settings, pipeline.store.engine, clock=pipeline.clock, on_change=pipeline.reload_rules
    )
    try:
        app.start()
        socket_server.wait_connected()
        [opened] = slack_server.calls("apps.connections.open")
        assert opened.headers["authorization"] == f"Bearer {slack_server.app_token}"

        command = {
            "team_id": "T0TEAM",
            "user_id": "U0ALICE",
            "channel_id": "D0ALICE",
            "command": "/papers",
            "text": "subscribe LoRA size<=13B",
            "response_url": slack_server.response_url("socket"),
            "trigger_id": "1.2.3",
        }
        sent = time.monotonic()
        socket_server.send(
            {
                "envelope_id": "env-1",
                "type": "slash_commands",
                "accepts_response_payload": True,
                "payload": command,
            }
        )
        socket_server.wait_ack("env-1")
        ack_seconds = time.monotonic() - sent
        assert ack_seconds < 3.0
        deadline = time.monotonic() + 10
        while not slack_server.responses() and time.monotonic() < deadline:
            time.sleep(0.02)
        [reply] = slack_server.responses()
        assert "Subscribed" in json.dumps(reply.body)
        assert [s.rule_name for s in app.store.all()] == ["slack/U0ALICE/lora"]
        assert "slack/U0ALICE/lora" in {r.name for r in pipeline.rules.enabled}

        event = {
            "type": "event_callback",
            "team_id": "T0TEAM",
            "api_app_id": "A0APP",
            "event": {"type": "app_home_opened", "user": "U0ALICE", "tab": "home"},
            "event_id": "Ev1",
            "event_time": int(time.time()),
        }
        socket_server.send({"envelope_id": "env-2", "type": "events_api", "payload": event})
        socket_server.wait_ack("env-2")
        deadline = time.monotonic() + 10
        while not slack_server.calls("views.publish") and time.monotonic() < deadline:
            time.sleep(0.02)
        assert "LoRA size" in json.dumps(slack_server.calls("views.publish")[0].body)
        print(f"socket mode ack: {ack_seconds * 1000:.1f} ms")
    finally:
        app.stop()
        pipeline.close()


def test_socket_mode_connects_once_slack_answers(
    tmp_path: Path,
    slack_server: SlackServer,
    socket_server: SocketModeServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("mailer.slackapp.server.CONNECT_RETRY_SECONDS", 0.2)
    (tmp_path / "rules").mkdir()
    config = tmp_path / "mailer.yaml"
    config.write_text(
        f"""\
state: sqlite:///{tmp_path}/mailer.db
rules: [{tmp_path}/rules]
slack: {{token_env: SLACK_BOT_TOKEN, api_url: "{slack_server.api_url}"}}
slack_app: {{app_token_env: SLACK_APP_TOKEN}}
"""
    )
    settings = load_settings(
        config, {"SLACK_BOT_TOKEN": slack_server.token, "SLACK_APP_TOKEN": slack_server.app_token}
    )
    pipeline = Pipeline.open(settings)
    app = SlackApp(settings, pipeline.store.engine, clock=pipeline.clock, on_change=lambda: None)
    try:
        app.start()  # apps.connections.open fails: no URL to hand out yet
        deadline = time.monotonic() + 5
        while len(slack_server.calls("apps.connections.open")) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(slack_server.calls("apps.connections.open")) >= 2, "it tries again"
        assert not socket_server.connections
        slack_server.socket_url = socket_server.url
        socket_server.wait_connected()
    finally:
        app.stop()
        pipeline.close()
