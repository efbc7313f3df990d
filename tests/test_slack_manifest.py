"""deploy/slack-app-manifest.yaml creates an app that can do what the Slack app does."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "deploy" / "slack-app-manifest.yaml"


def test_manifest_has_the_command_scopes_events_and_one_endpoint() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == "/papers"
    settings = manifest["settings"]
    urls = {
        command["url"],
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
    }
    assert len(urls) == 1
    assert urls.pop().endswith("/slack/events")
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["event_subscriptions"]["bot_events"] == ["app_home_opened"]
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    # every Web API method the app and the Slack channel call needs its scope
    source = "".join(p.read_text() for p in (ROOT / "mailer").rglob("*.py"))
    needs = {
        "conversations_open": "im:write",
        "users_info": "users:read",
        "conversations_members": "channels:read",
        "chat_postMessage": "chat:write",
    }
    for method, scope in needs.items():
        assert re.search(rf"\b{method}\(", source), method
        assert scope in scopes, scope
    assert "commands" in scopes
