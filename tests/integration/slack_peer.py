"""Playing Slack towards the app: signed slash commands, events and button clicks.

Slack signs each request with `v0=` + HMAC-SHA256 of `v0:<timestamp>:<raw body>` under
the app's signing secret (headers `X-Slack-Signature`, `X-Slack-Request-Timestamp`).
`SlackPeer.post(...)` builds that itself; `secret=` and `timestamp=` make a bad or an
old one. Commands are form-encoded, interactivity is a form field `payload` of JSON,
events are JSON.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
TEAM = "T0TEAM"


@dataclass
class Answer:
    status: int
    body: str
    seconds: float


def _trigger_id() -> str:
    return f"1337.{time.monotonic_ns()}.abcd"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


class SlackPeer:
    def __init__(self, url: str, response_url: str, secret: str = SIGNING_SECRET) -> None:
        self.url = url  # http://127.0.0.1:PORT/slack/events
        self.response_url = response_url
        self.secret = secret

    def post(
        self,
        body: bytes,
        content_type: str,
        *,
        secret: str | None = None,
        timestamp: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[Answer, dict[str, str]]:
        stamp = int(time.time()) if timestamp is None else timestamp
        sent = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(stamp),
            "X-Slack-Signature": sign(secret or self.secret, stamp, body),
            **(headers or {}),
        }
        return self.send(body, sent), sent

    def send(self, body: bytes, headers: dict[str, str]) -> Answer:
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=10) as reply:
                text = reply.read().decode()
                return Answer(reply.status, text, time.monotonic() - started)
        except urllib.error.HTTPError as e:
            return Answer(e.code, e.read().decode(), time.monotonic() - started)

    def command_body(self, text: str, user: str = "U0ALICE", channel: str = "D0ALICE") -> bytes:
        form = {
            "command": "/papers",
            "text": text,
            "user_id": user,
            "user_name": user.lower(),
            "channel_id": channel,
            "team_id": TEAM,
            "response_url": self.response_url,
            "trigger_id": _trigger_id(),  # unique, as Slack's: two commands never sign alike
        }
        return urlencode(form).encode()

    def command(
        self, text: str, user: str = "U0ALICE", channel: str = "D0ALICE", **kw: Any
    ) -> Answer:
        body = self.command_body(text, user, channel)
        return self.post(body, "application/x-www-form-urlencoded", **kw)[0]

    def interaction(self, payload: dict[str, Any]) -> Answer:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self.post(body, "application/x-www-form-urlencoded")[0]

    def click(self, action_id: str, value: str, user: str = "U0ALICE", **extra: Any) -> Answer:
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM},
            "user": {"id": user, "team_id": TEAM},
            "api_app_id": "A0APP",
            "trigger_id": _trigger_id(),
            "response_url": self.response_url,
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": "b",
                    "value": value,
                    "type": "button",
                    "action_ts": f"{time.time():.6f}",  # as Slack sends it
                }
            ],
            **extra,
        }
        return self.interaction(payload)

    def event(self, event: dict[str, Any]) -> Answer:
        body = json.dumps(
            {
                "type": "event_callback",
                "team_id": TEAM,
                "api_app_id": "A0APP",
                "event": event,
                "event_id": f"Ev{time.monotonic_ns()}",
                "event_time": int(time.time()),
            }
        ).encode()
        return self.post(body, "application/json")[0]
