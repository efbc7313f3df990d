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

At most once more per crash, not per kill: before posting a part, the channel saves
that it is about to (`attempt`), and each part carries a marker in its message
`metadata` (event type `paper_mailer_part`: the batch's hash and the part number).
When a later try finds an attempt saved for the part it is about to post, the
previous try may have reached Slack before the process died: it looks for the marker
with `conversations.history` (first part) or `conversations.replies` (thread parts)
and posts only if the part is not there. Webhooks cannot read a channel: a part in
flight when the process dies is posted again. `deliver_until` stops between parts
when the service is stopping (DeliveryInterrupted, progress saved).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import urllib.error
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol
from urllib.parse import urlsplit

from pydantic import field_validator, model_validator

from mailer.config.base import (
    ConfigModel,
    DestinationModel,
    EnvName,
    check_api_url,
    is_loopback,
)
from mailer.core.models import AlertBatch
from mailer.notify import (
    ChannelContext,
    ChannelSpec,
    DeliveryError,
    DeliveryInterrupted,
    InlineTarget,
)
from mailer.notify.http import HttpChannel, Pacer
from mailer.notify.sanitize import cut_at_word
from mailer.notify.thread_progress import ThreadProgress

if TYPE_CHECKING:
    from mailer.notify.slack_senders import Payload, Sender

__all__ = ["CHANNEL", "MemoryProgress", "Pacer", "SlackChannel", "classify"]

log = logging.getLogger(__name__)
# slack-sdk's WebhookClient logs the webhook URL (a secret) at DEBUG, and at ERROR in
# "Invalid URL detected: <url>": give it a logger that stays quiet even with `mailer -vv`
# (our own log lines and DeliveryError say what went wrong, without the URL).
_WEBHOOK_SDK_LOG = logging.getLogger(f"{__name__}.webhook")
_WEBHOOK_SDK_LOG.setLevel(logging.CRITICAL)

DEFAULT_API_URL = "https://slack.com/api/"
REQUEST_TIMEOUT = 15
LOOKBACK_SECONDS = 300.0  # how far before a saved attempt to look for its marker


class SlackAccount(ConfigModel):
    """The default `slack:` account every Slack destination and inline target inherits."""

    token_env: EnvName | None = None
    token_file: Path | None = None
    webhook_url_env: EnvName | None = None
    api_url: str | None = None  # GovSlack or a local test server

    @field_validator("api_url")
    @classmethod
    def _tls_only(cls, value: str | None) -> str | None:
        return check_api_url(value)


class SlackDestination(DestinationModel):
    kind: Literal["slack"]
    channel: str | None = None  # "#papers" or a channel id
    user: str | None = None  # a user id: a DM
    token_env: EnvName | None = None
    token_file: Path | None = None
    webhook_url_env: EnvName | None = None
    api_url: str | None = None

    @field_validator("api_url")
    @classmethod
    def _tls_only(cls, value: str | None) -> str | None:
        return check_api_url(value)

    @model_validator(mode="after")
    def _one_target(self) -> SlackDestination:
        if not (self.channel or self.user or self.webhook_url_env):
            raise ValueError("a slack destination needs channel:, user: or webhook_url_env:")
        return self


CHANNEL = ChannelSpec(
    kind="slack",
    model=SlackDestination,
    channel="mailer.notify.slack:SlackChannel",
    keys="`channel` or `user` or `webhook_url_env`; `token_env`, `api_url`",
    summary="posts Block Kit messages",
    inline=(
        InlineTarget(
            key="slack",
            schema={"type": "string", "minLength": 2},
            build=lambda value: SlackDestination(kind="slack", channel=value),
            example="'#channel'",
            description="a Slack channel, by name or id",
            account="slack",
        ),
        InlineTarget(
            key="slack_user",
            schema={"type": "string", "minLength": 2},
            build=lambda value: SlackDestination(kind="slack", user=value),
            example="U0123ABCD",
            description="a direct message from the bot (a Slack user id)",
            account="slack",
        ),
    ),
)


def classify(status: int, error: str | None, retry_after: str | None) -> DeliveryError:
    """What a failed Slack answer means for the outbox (`slack_senders.classify`)."""
    from mailer.notify.slack_senders import classify as classify_answer

    return classify_answer(status, error, retry_after)


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


SHARED_PROGRESS = MemoryProgress()


def _is_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError on a port that is not a number
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


class SlackChannel(HttpChannel):
    """Delivers batches to one Slack destination (see the module docstring)."""

    label = "slack"

    def __init__(
        self,
        name: str,
        destination: DestinationModel,
        context: ChannelContext,
        *,
        pacer: Pacer | None = None,
        progress: DeliveryProgress | None = None,
    ) -> None:
        if not isinstance(destination, SlackDestination):
            raise TypeError(f"SlackChannel needs a slack destination, not {destination.kind}")
        super().__init__(pacer, context.min_interval)
        self.name = name
        self.destination = destination
        self.context = context
        self.progress = progress or SHARED_PROGRESS
        self._sender: Sender | None = None

    # ---- set-up --------------------------------------------------------------------
    def _secret(self, env: str | None, file: Any, what: str) -> str | None:
        return self.context.secrets(env=env, file=file, what=what)

    def _build_sender(self) -> Sender:
        from slack_sdk import WebClient

        from mailer.notify.slack_senders import BotSender

        dest = self.destination
        account = self.context.slack or SlackAccount()
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
        return BotSender(client, dest.channel, dest.user)

    def _webhook(self, env: str) -> Sender:
        from slack_sdk.webhook import WebhookClient

        from mailer.notify.slack_senders import WebhookSender

        url = self._secret(env, None, f"destination {self.name}: webhook_url_env")
        assert url is not None  # read_secret raises when the variable is missing
        if not _is_http_url(url):  # else urllib's error (and the SDK's log) quote it
            raise DeliveryError(
                f"destination {self.name}: {env} does not hold an https:// webhook URL",
                permanent=True,
            )
        parts = urlsplit(url)
        if parts.scheme != "https" and not is_loopback(parts.hostname or ""):
            raise DeliveryError(  # the URL is the credential: never in clear text
                f"destination {self.name}: {env} holds an http:// webhook URL to a remote "
                "host; only https:// is allowed",
                permanent=True,
            )
        client = WebhookClient(
            url, timeout=REQUEST_TIMEOUT, retry_handlers=[], logger=_WEBHOOK_SDK_LOG
        )
        return WebhookSender(client)

    @property
    def sender(self) -> Sender:
        if self._sender is None:
            self._sender = self._build_sender()
        return self._sender

    # ---- sending -------------------------------------------------------------------
    def _post_once(self, payload: Payload, thread_ts: str | None) -> str | None:
        from slack_sdk.errors import SlackApiError, SlackClientError

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

    def _post(
        self,
        payload: Payload,
        thread_ts: str | None,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> str | None:
        """Post with the shared pacing and quick retries (`HttpChannel.send_paced`)."""
        return self.send_paced(
            lambda: self._post_once(payload, thread_ts), self.sender.key, should_stop
        )

    def _progress_key(self, batch: AlertBatch) -> str:
        return "\x1f".join(
            ("slack", self.sender.key, batch.rule, batch.destination, batch.batch_key.to_str())
        )

    def deliver(self, batch: AlertBatch) -> None:
        self.deliver_until(batch, lambda: False)

    def deliver_until(self, batch: AlertBatch, should_stop: Callable[[], bool]) -> None:
        from mailer.notify.render import render_slack
        from mailer.notify.slack_senders import part_metadata

        payloads = render_slack(batch)
        key = self._progress_key(batch)
        batch_hash = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
        state = ThreadProgress.from_json(self.progress.load(key))
        if state.sent:
            log.info("slack %s: resuming %s at part %d", self.name, batch.batch_key, state.sent + 1)
        for index in range(state.sent, len(payloads)):
            if should_stop():
                raise DeliveryInterrupted()
            marker = {"batch": batch_hash, "part": index}
            ts = self._posted_before(state, index, marker)
            if ts is None:
                self.progress.save(key, state.attempting(index, time.time()).to_json())
                payload = {**payloads[index], "metadata": part_metadata(marker)}
                ts = self._post(payload, state.thread_ts, should_stop)
            state = state.posted(index, ts)
            if index + 1 < len(payloads):
                self.progress.save(key, state.to_json())
        self.progress.clear(key)

    def _posted_before(
        self, state: ThreadProgress, index: int, marker: dict[str, Any]
    ) -> str | None:
        """The ts of part `index` when an earlier try may have posted it and it is there
        (the ts may be "" when it is there but Slack gave none); else None: post it."""
        if state.attempt != index:
            return None
        oldest = (state.attempt_at or 0.0) - LOOKBACK_SECONDS
        from mailer.notify.slack_senders import describe_slack_error

        try:
            found = self.sender.find_marker(marker, state.thread_ts, oldest)
        except Exception as e:  # noqa: BLE001 bulkhead: no history scope, Slack away: posting again beats losing it
            log.warning(
                "slack %s: cannot check whether part %d went out (%s); posting it again",
                self.name,
                index + 1,
                describe_slack_error(e),
            )
            return None
        if isinstance(found, str):
            log.info("slack %s: part %d went out before the restart", self.name, index + 1)
            return found
        return None

    def send_notice(self, subject: str, text: str) -> None:
        from mailer.notify.render import render_notice_slack

        for payload in render_notice_slack(subject, text):
            self._post(payload, None)
