"""How Slack messages leave: a bot token (`chat.postMessage`) or an incoming webhook,
and what a failed answer means (`classify`). Used by `mailer.notify.slack`.

Every part a bot posts carries `metadata` (event type `paper_mailer_part`) so a later
try can find it with `conversations.history` / `conversations.replies` (scopes
`channels:history`, `groups:history`, `im:history`; a channel given by name is looked
up once with `conversations.list`, `channels:read`).
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING, Any, Protocol

from slack_sdk.errors import SlackApiError

from mailer.notify import DeliveryError
from mailer.notify.http import classify_http_status
from mailer.notify.sanitize import printable_line

if TYPE_CHECKING:
    from slack_sdk import WebClient
    from slack_sdk.webhook import WebhookClient

Payload = dict[str, Any]
PART_EVENT = "paper_mailer_part"  # metadata event type on every message we post
HISTORY_PAGES = 5  # of 200 messages each, when looking for a marker
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")

PERMANENT_ERRORS = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "no_permission",
        "missing_scope",
        "not_allowed_token_type",
        "ekm_access_denied",
        "team_access_not_granted",
        "org_login_required",
        "access_denied",
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "channel_is_archived",
        "user_not_found",
        "user_disabled",
        "cannot_dm_bot",
        "restricted_action",
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "msg_blocks_too_long",
        "too_many_attachments",
        "invalid_arguments",
        "invalid_arg_name",
        "no_text",
        "invalid_payload",  # webhooks
        "action_prohibited",
        "no_service",
        "no_active_hooks",
        "posting_to_general_channel_denied",
    }
)


def classify(status: int, error: str | None, retry_after: str | None) -> DeliveryError:
    """What a failed Slack answer means for the outbox."""
    code = printable_line(error)[:120] or f"HTTP {status}"
    if status == 429 or code == "ratelimited":
        return classify_http_status(429, "Slack", retry_after)
    if status >= 500 or code.startswith("Received a response in a non-JSON format"):
        return DeliveryError(f"Slack answered HTTP {status}; will retry")
    if code in PERMANENT_ERRORS or (400 <= status < 500):
        return DeliveryError(code, permanent=True)
    return DeliveryError(f"{code}; will retry")


class Sender(Protocol):
    """Posts one payload; returns the message's ts when known (bot tokens, not webhooks)."""

    key: str  # channel identity for pacing and progress

    def post(self, payload: Payload, thread_ts: str | None) -> str | None: ...

    def find_marker(
        self, marker: dict[str, Any], thread_ts: str | None, oldest: float
    ) -> str | None:
        """The ts of the message carrying `marker` (posted after `oldest`); None when
        there is none or this sender cannot tell (webhooks)."""
        ...


class BotSender:
    def __init__(self, client: WebClient, channel: str | None, user: str | None) -> None:
        self.client = client
        self.channel = channel
        self.user = user
        self.key = f"{client.base_url}|{channel or user}"
        self._dm: str | None = None
        self._channel_id: str | None = None  # learnt from an answer, for reading history

    def _target(self) -> str:
        if self.channel:
            return self.channel
        if self._dm is None:  # needs the im:write scope
            answer = self.client.conversations_open(users=self.user)
            self._dm = str(answer["channel"]["id"])
        return self._dm

    def post(self, payload: Payload, thread_ts: str | None) -> str | None:
        answer = self.client.chat_postMessage(
            channel=self._target(),
            text=payload["text"],
            blocks=payload["blocks"],
            thread_ts=thread_ts,
            unfurl_links=False,
            unfurl_media=False,
            metadata=payload.get("metadata"),
        )
        self._channel_id = str(answer.get("channel") or "") or self._channel_id
        return str(answer.get("ts") or "") or None

    def _history_channel(self) -> str | None:
        """A channel id for conversations.history: given, learnt, or looked up by name
        (conversations.list, channels:read)."""
        target = self._target()
        if _CHANNEL_ID.match(target):
            return target
        if self._channel_id is None:
            name = target.lstrip("#")
            cursor = None
            for _ in range(HISTORY_PAGES):
                answer = self.client.conversations_list(
                    types="public_channel,private_channel", limit=200, cursor=cursor
                )
                for channel in answer.get("channels") or []:
                    if channel.get("name") == name:
                        self._channel_id = str(channel["id"])
                        return self._channel_id
                cursor = (answer.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    break
        return self._channel_id

    def find_marker(
        self, marker: dict[str, Any], thread_ts: str | None, oldest: float
    ) -> str | None:
        channel = self._history_channel()
        if channel is None:
            return None
        cursor = None
        for _ in range(HISTORY_PAGES):
            since = f"{oldest:.6f}"
            if thread_ts is None:
                answer = self.client.conversations_history(
                    channel=channel,
                    oldest=since,
                    limit=200,
                    include_all_metadata=True,
                    cursor=cursor,
                )
            else:
                answer = self.client.conversations_replies(
                    channel=channel,
                    ts=thread_ts,
                    oldest=since,
                    limit=200,
                    include_all_metadata=True,
                    cursor=cursor,
                )
            for message in answer.get("messages") or []:
                metadata = message.get("metadata") or {}
                if (
                    metadata.get("event_type") == PART_EVENT
                    and metadata.get("event_payload") == marker
                ):
                    return str(message.get("ts"))
            cursor = (answer.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        return None


class WebhookSender:
    def __init__(self, client: WebhookClient) -> None:
        self.client = client
        # the URL is a secret: only its hash identifies the channel
        self.key = "webhook|" + hashlib.sha256(client.url.encode()).hexdigest()[:16]

    def find_marker(
        self,
        marker: dict[str, Any],  # noqa: ARG002 the sender interface's signature
        thread_ts: str | None,  # noqa: ARG002
        oldest: float,  # noqa: ARG002
    ) -> str | None:
        return None  # a webhook cannot read the channel

    def post(self, payload: Payload, thread_ts: str | None) -> str | None:  # noqa: ARG002 a webhook cannot thread
        payload = {k: v for k, v in payload.items() if k != "metadata"}
        answer = self.client.send_dict({**payload, "unfurl_links": False, "unfurl_media": False})
        if answer.status_code != 200:
            retry_after = answer.headers.get("Retry-After") if answer.headers else None
            raise classify(answer.status_code, str(answer.body or ""), retry_after)
        return None


def _metadata(marker: dict[str, Any]) -> dict[str, Any]:
    return {"event_type": PART_EVENT, "event_payload": marker}


def _describe(error: Exception) -> str:
    if isinstance(error, SlackApiError):
        return str(error.response.get("error") or f"HTTP {error.response.status_code}")
    return type(error).__name__


def part_metadata(marker: dict[str, Any]) -> dict[str, Any]:
    return {"event_type": PART_EVENT, "event_payload": marker}


def describe_slack_error(error: Exception) -> str:
    if isinstance(error, SlackApiError):
        return str(error.response.get("error") or f"HTTP {error.response.status_code}")
    return type(error).__name__
