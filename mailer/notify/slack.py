"""Slack delivery: a bot token (`chat.postMessage`) or an incoming webhook.

Which way: a destination with `webhook_url_env` posts to that webhook; otherwise a bot
token (the destination's `token_env`/`token_file`, else the default `slack:` account's)
posts to `channel` (a name or an id) or to a DM opened with `conversations.open` for
`user`. Without a token, a channel destination falls back to the account's webhook
(which posts to its own fixed channel); a DM never does, so private alerts cannot land
in a channel. `api_url` on the destination wins over the account's (GovSlack, tests).

Failures (see `classify`):
- 429: when Slack asks to wait at most MAX_INLINE_WAIT seconds we wait and retry
  here, up to INLINE_WAIT_BUDGET in one delivery; a longer Retry-After is raised as
  `DeliveryError(retry_after=...)` so the outbox reschedules instead of a worker
  sleeping for minutes.
- 5xx, timeouts, connection errors: a few quick retries here with backoff, then a
  transient `DeliveryError` (the outbox backs off further).
- `invalid_auth`, `channel_not_found`, `not_in_channel`, ... (PERMANENT_ERRORS):
  `DeliveryError(permanent=True)` with that code, at once.

Long feeds become several messages (render_slack). The first is posted to the channel
and the rest as replies in its thread, at most one message per `slack_min_interval`
per channel. Progress (the thread's ts and how many parts went out) is saved per
batch in a `DeliveryProgress`, so a retry after part 2 of 3 failed sends parts 2 and 3
only. The default progress store lives in the process; pass a durable one to also
survive a restart mid-feed. Tokens and webhook URLs never appear in errors or logs.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
import urllib.error
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.webhook import WebhookClient

from mailer.config import Destination, Settings, SlackAccount, SlackDestination
from mailer.models import AlertBatch
from mailer.notify import DeliveryError, read_channel_secret
from mailer.notify.render import render_notice_slack, render_slack
from mailer.notify.sanitize import clean_text, cut_at_word

log = logging.getLogger(__name__)
# slack-sdk's WebhookClient logs the webhook URL (a secret) at DEBUG, and at ERROR in
# "Invalid URL detected: <url>": give it a logger that stays quiet even with `mailer -vv`
# (our own log lines and DeliveryError say what went wrong, without the URL).
_WEBHOOK_SDK_LOG = logging.getLogger(f"{__name__}.webhook")
_WEBHOOK_SDK_LOG.setLevel(logging.CRITICAL)

DEFAULT_API_URL = "https://slack.com/api/"
REQUEST_TIMEOUT = 15
MAX_INLINE_WAIT = 5.0  # seconds of Retry-After we are willing to sleep through
INLINE_WAIT_BUDGET = 20.0  # total seconds one delivery may spend waiting on 429s
TRANSIENT_RETRIES = 2  # quick retries of a 5xx/timeout before handing back to the outbox
TRANSIENT_BACKOFF = 1.0  # 1 s, then 2 s
MAX_RETRY_AFTER = 3600.0  # a longer Retry-After is taken as an hour

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

Payload = dict[str, Any]


class DeliveryProgress(Protocol):
    """Where a multi-message delivery records how far it got, keyed by batch."""

    def load(self, key: str) -> dict[str, Any] | None: ...
    def save(self, key: str, state: dict[str, Any]) -> None: ...
    def clear(self, key: str) -> None: ...


class MemoryProgress:
    """Progress kept for the life of the process (enough for retries by the outbox)."""

    def __init__(self) -> None:
        self._states: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def load(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            state = self._states.get(key)
            return dict(state) if state else None

    def save(self, key: str, state: dict[str, Any]) -> None:
        with self._lock:
            self._states[key] = dict(state)

    def clear(self, key: str) -> None:
        with self._lock:
            self._states.pop(key, None)


class Pacer:
    """At most one message per `interval` seconds per channel key, across instances."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.clock = clock
        self.sleep = sleep
        self._next_slot: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait_turn(self, key: str, interval: float) -> None:
        with self._lock:  # reserve a slot, then sleep outside the lock
            now = self.clock()
            slot = max(now, self._next_slot.get(key, now))
            self._next_slot[key] = slot + interval
        if slot > now:
            self.sleep(slot - now)


SHARED_PACER = Pacer()
SHARED_PROGRESS = MemoryProgress()


def classify(status: int, error: str | None, retry_after: str | None) -> DeliveryError:
    """What a failed Slack answer means for the outbox."""
    code = clean_text(error)[:120] or f"HTTP {status}"
    if status == 429 or code == "ratelimited":
        try:
            wait = float(retry_after) if retry_after else 1.0
        except ValueError:
            wait = 1.0
        if math.isnan(wait) or wait < 0:  # "nan", "-5": a sleep would raise
            wait = 1.0
        wait = min(wait, MAX_RETRY_AFTER)
        return DeliveryError(f"rate limited by Slack (Retry-After {wait:g}s)", retry_after=wait)
    if status >= 500 or code.startswith("Received a response in a non-JSON format"):
        return DeliveryError(f"Slack answered HTTP {status}; will retry")
    if code in PERMANENT_ERRORS or (400 <= status < 500):
        return DeliveryError(code, permanent=True)
    return DeliveryError(f"{code}; will retry")


class _Sender(Protocol):
    """Posts one payload; returns the message's ts when known (bot tokens, not webhooks)."""

    key: str  # channel identity for pacing and progress

    def post(self, payload: Payload, thread_ts: str | None) -> str | None: ...


class _BotSender:
    def __init__(self, client: WebClient, channel: str | None, user: str | None) -> None:
        self.client = client
        self.channel = channel
        self.user = user
        self.key = f"{client.base_url}|{channel or user}"
        self._dm: str | None = None

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
        )
        return str(answer.get("ts") or "") or None


class _WebhookSender:
    def __init__(self, client: WebhookClient) -> None:
        self.client = client
        # the URL is a secret: only its hash identifies the channel
        self.key = "webhook|" + hashlib.sha256(client.url.encode()).hexdigest()[:16]

    def post(self, payload: Payload, thread_ts: str | None) -> str | None:
        answer = self.client.send_dict({**payload, "unfurl_links": False, "unfurl_media": False})
        if answer.status_code != 200:
            retry_after = answer.headers.get("Retry-After") if answer.headers else None
            raise classify(answer.status_code, str(answer.body or ""), retry_after)
        return None


def _is_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError on a port that is not a number
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


class SlackChannel:
    """Delivers batches to one Slack destination (see the module docstring)."""

    def __init__(
        self,
        name: str,
        destination: Destination,
        settings: Settings,
        *,
        pacer: Pacer | None = None,
        progress: DeliveryProgress | None = None,
    ) -> None:
        if not isinstance(destination, SlackDestination):
            raise TypeError(f"SlackChannel needs a slack destination, not {destination.kind}")
        self.name = name
        self.destination = destination
        self.settings = settings
        self.pacer = pacer or SHARED_PACER
        self.progress = progress or SHARED_PROGRESS
        self._sender: _Sender | None = None

    # ---- set-up --------------------------------------------------------------------
    def _secret(self, env: str | None, file: Any, what: str) -> str | None:
        return read_channel_secret(self.settings, env=env, file=file, what=what)

    def _build_sender(self) -> _Sender:
        dest = self.destination
        account = self.settings.slack or SlackAccount()
        api_url = dest.api_url or account.api_url or DEFAULT_API_URL
        if dest.webhook_url_env:
            return self._webhook(dest.webhook_url_env)
        token = self._secret(dest.token_env, dest.token_file, f"destination {self.name}: token")
        if token is None:
            token = self._secret(account.token_env, account.token_file, "slack: token")
        if token is None:
            if dest.channel and account.webhook_url_env:
                return self._webhook(account.webhook_url_env)
            where = "a DM needs" if dest.user else "posting to a channel needs"
            raise DeliveryError(
                f"destination {self.name}: {where} a bot token (token_env: under slack:)",
                permanent=True,
            )
        base_url = api_url if api_url.endswith("/") else api_url + "/"
        client = WebClient(
            token=token, base_url=base_url, timeout=REQUEST_TIMEOUT, retry_handlers=[]
        )
        return _BotSender(client, dest.channel, dest.user)

    def _webhook(self, env: str) -> _Sender:
        url = self._secret(env, None, f"destination {self.name}: webhook_url_env")
        assert url is not None  # read_secret raises when the variable is missing
        if not _is_http_url(url):  # else urllib's error (and the SDK's log) quote it
            raise DeliveryError(
                f"destination {self.name}: {env} does not hold an https:// webhook URL",
                permanent=True,
            )
        client = WebhookClient(
            url, timeout=REQUEST_TIMEOUT, retry_handlers=[], logger=_WEBHOOK_SDK_LOG
        )
        return _WebhookSender(client)

    @property
    def sender(self) -> _Sender:
        if self._sender is None:
            self._sender = self._build_sender()
        return self._sender

    # ---- sending -------------------------------------------------------------------
    def _post_once(self, payload: Payload, thread_ts: str | None) -> str | None:
        try:
            return self.sender.post(payload, thread_ts)
        except SlackApiError as e:
            response = e.response
            raise classify(
                response.status_code, response.get("error"), response.headers.get("Retry-After")
            ) from e
        except (urllib.error.URLError, TimeoutError, ConnectionError) as e:
            reason = getattr(e, "reason", e)
            raise DeliveryError(f"cannot reach Slack: {cut_at_word(str(reason), 200)}") from e
        except SlackClientError as e:
            raise DeliveryError(f"Slack client error: {type(e).__name__}") from e

    def _post(self, payload: Payload, thread_ts: str | None) -> str | None:
        """Post with the quick, in-process retries; raise DeliveryError when they run out."""
        waited = 0.0
        transient_tries = 0
        while True:
            self.pacer.wait_turn(self.sender.key, self.settings.delivery.slack_min_interval)
            try:
                return self._post_once(payload, thread_ts)
            except DeliveryError as e:
                if e.permanent:
                    raise
                if e.retry_after is not None:
                    if (
                        e.retry_after > MAX_INLINE_WAIT
                        or waited + e.retry_after > INLINE_WAIT_BUDGET
                    ):
                        raise
                    pause = e.retry_after
                else:
                    transient_tries += 1
                    if transient_tries > TRANSIENT_RETRIES:
                        raise
                    pause = TRANSIENT_BACKOFF * 2 ** (transient_tries - 1)
                log.info("slack %s: %s; retrying in %gs", self.name, e.reason, pause)
                self.pacer.sleep(pause)
                waited += pause

    def _progress_key(self, batch: AlertBatch) -> str:
        return "\x1f".join(
            ("slack", self.sender.key, batch.rule, batch.destination, batch.batch_key)
        )

    def deliver(self, batch: AlertBatch) -> None:
        payloads = render_slack(batch)
        key = self._progress_key(batch)
        state = self.progress.load(key) or {"sent": 0, "thread_ts": None}
        if state["sent"]:
            log.info(
                "slack %s: resuming %s at part %d", self.name, batch.batch_key, state["sent"] + 1
            )
        for index in range(state["sent"], len(payloads)):
            ts = self._post(payloads[index], state["thread_ts"])
            state = {"sent": index + 1, "thread_ts": state["thread_ts"] or ts}
            if index + 1 < len(payloads):
                self.progress.save(key, state)
        self.progress.clear(key)

    def send_notice(self, subject: str, text: str) -> None:
        for payload in render_notice_slack(subject, text):
            self._post(payload, None)
