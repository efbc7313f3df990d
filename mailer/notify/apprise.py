"""The apprise destination: Discord, Microsoft Teams, Telegram, Matrix, ntfy,
Mattermost, generic JSON webhooks and the rest of what the `apprise` library speaks,
one URL per service (`discord://webhook_id/webhook_token`, `msteams://...`,
`tgram://bot_token/chat_id`, `matrixs://...`, `ntfy://topic`, `mmosts://...`,
`json://host/path`): see https://github.com/caronc/apprise/wiki.

Config: `{kind: apprise, urls: [...]}` and/or `urls_env: VAR` (URLs separated by
spaces or commas, so the tokens stay out of the file); in a rule,
`to: {apprise: "discord://..."}`.

Each batch is sent as plain text (`render_text`) titled with its headline, to every
URL in turn; a URL that took the batch is remembered (`progress`), so a retry after a
later URL failed does not send it twice. Messages longer than a service takes are
split by apprise (`overflow=split` unless the URL says otherwise).

Failures. `Apprise.notify()` says only whether it worked; the reason is in the log
lines apprise captures for the call. We read the HTTP status from them (`error=404`):
408, 425, 429 and 5xx are transient, any other 4xx is permanent (a wrong or revoked
webhook); a connection error or a timeout is transient; a failure with no status is
transient too (the outbox gives up after `max_attempts`). A URL apprise cannot parse
is permanent. Pacing and the quick retries are the shared `HttpChannel`'s.

Secrets: an apprise URL holds its service's token, so it never appears in logs,
errors, status or the store. A URL is shown as its scheme and a hash
(`discord://...3f2a9c1e`); apprise's own log lines (which print URLs at debug level)
are kept out of ours, and so are urllib3's request lines. apprise is imported only
when an apprise destination first sends (it loads ~190 plugins, ~0.6 s).
"""

from __future__ import annotations

import hashlib
import logging
import re
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from mailer.config.base import DestinationModel, EnvName
from mailer.core.models import AlertBatch
from mailer.notify import ChannelContext, ChannelSpec, DeliveryError, InlineTarget
from mailer.notify.http import HttpChannel, Pacer, classify_http_status

if TYPE_CHECKING:
    from mailer.notify.slack import DeliveryProgress

log = logging.getLogger(__name__)

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://\S+$")
_HTTP_STATUS = re.compile(r"error=(\d{3})\b")
_SPLIT = re.compile(r"[\s,]+")


def _check_url(url: str) -> str:
    if not _URL.match(url):
        scheme = url.partition("://")[0] if "://" in url else ""
        shown = f"{scheme}://..." if scheme.isalnum() else "a value"
        raise ValueError(f"{shown} is not an apprise URL; write e.g. discord://id/token")
    return url


def shown_url(url: str) -> str:
    """An apprise URL fit for logs and errors: its scheme and a hash, never its token."""
    scheme = url.partition("://")[0] if "://" in url else "?"
    return f"{scheme}://...{hashlib.sha256(url.encode('utf-8')).hexdigest()[:8]}"


class AppriseDestination(DestinationModel):
    kind: Literal["apprise"]
    urls: list[SecretStr] = Field(default_factory=list)  # secret: they hold the services' tokens
    urls_env: EnvName | None = None  # an environment variable holding URLs

    @field_validator("urls")
    @classmethod
    def _understood(cls, value: list[SecretStr]) -> list[SecretStr]:
        for url in value:
            _check_url(url.get_secret_value())
        return value

    @model_validator(mode="after")
    def _some_url(self) -> AppriseDestination:
        if not self.urls and not self.urls_env:
            raise ValueError("an apprise destination needs urls: or urls_env:")
        return self


CHANNEL = ChannelSpec(
    kind="apprise",
    model=AppriseDestination,
    channel="mailer.notify.apprise:AppriseChannel",
    keys="`urls: [...]` and/or `urls_env`",
    summary="posts plain text to Discord, Teams, Telegram, Matrix, ntfy, Mattermost, "
    "JSON webhooks... (docs/notifications.md)",
    inline=(
        InlineTarget(
            key="apprise",
            schema={"type": "string", "minLength": 4},
            build=lambda value: AppriseDestination(
                kind="apprise", urls=[SecretStr(_check_url(value))]
            ),
            example='"discord://id/token"',
            description="any service apprise speaks, by URL (kept out of logs and the store)",
            secret=True,
        ),
    ),
)


def _quiet_library_logs() -> None:
    """apprise logs URLs (tokens) at debug level and urllib3 logs request paths: keep
    both out of the product's log, even with `mailer -vv`. apprise still captures its
    lines for each call (`log_callback`), which is where failures are read."""
    logging.getLogger("apprise").propagate = False
    logging.getLogger("urllib3.connectionpool").setLevel(logging.INFO)


def classify(lines: list[str], timed_out: bool, peer: str) -> DeliveryError:
    """What a failed apprise call means for the outbox, from its captured log lines."""
    for line in lines:
        found = _HTTP_STATUS.search(line)
        if found:
            return classify_http_status(int(found[1]), peer)
    if timed_out:
        return DeliveryError(f"{peer} timed out; will retry")
    if any("connection error" in line.casefold() for line in lines):
        return DeliveryError(f"cannot reach {peer}; will retry")
    return DeliveryError(f"{peer} did not take the message; will retry")


class AppriseChannel(HttpChannel):
    """Delivers batches to every URL of one apprise destination."""

    label = "apprise"

    def __init__(
        self,
        name: str,
        destination: DestinationModel,
        context: ChannelContext,
        *,
        pacer: Pacer | None = None,
        progress: DeliveryProgress | None = None,
    ) -> None:
        if not isinstance(destination, AppriseDestination):
            raise TypeError(f"AppriseChannel needs an apprise destination, not {destination.kind}")
        from mailer.notify.registry import safe_name

        super().__init__(pacer, context.min_interval)
        self.name = safe_name(name)  # an inline target's URL never reaches a log line
        self.destination = destination
        self.context = context
        self.progress = progress

    def urls(self) -> list[str]:
        urls = [url.get_secret_value() for url in self.destination.urls]
        if self.destination.urls_env:
            what = f"destination {self.name}: urls_env"
            value = self.context.secrets(env=self.destination.urls_env, file=None, what=what)
            for url in _SPLIT.split(value or ""):
                if url:
                    try:
                        urls.append(_check_url(url))
                    except ValueError as e:
                        raise DeliveryError(
                            f"destination {self.name}: {self.destination.urls_env}: {e}",
                            permanent=True,
                        ) from e
        if not urls:
            raise DeliveryError(f"destination {self.name}: no apprise URL", permanent=True)
        return urls

    def deliver(self, batch: AlertBatch) -> None:
        from mailer.notify.render import headline, render_text

        key = "\x1f".join(
            ("apprise", self.name, batch.rule, batch.destination, batch.batch_key.to_str())
        )
        self._send_all(headline(batch), render_text(batch), key)

    def send_notice(self, subject: str, text: str) -> None:
        self._send_all(subject, text, None)

    def _send_all(self, title: str, body: str, key: str | None) -> None:
        state = (self.progress.load(key) if self.progress and key else None) or {}
        done: list[str] = list(state.get("sent", []))
        for url in self.urls():
            shown = shown_url(url)
            if shown in done:
                continue
            self.send_paced(partial(self._notify, url, title, body), shown)
            done.append(shown)
            if self.progress and key:
                self.progress.save(key, {"sent": done})
        if self.progress and key:
            self.progress.clear(key)

    def _notify(self, url: str, title: str, body: str) -> None:
        import apprise

        _quiet_library_logs()
        peer = shown_url(url)
        service = apprise.Apprise()
        if "overflow=" not in url:
            url += ("&" if "?" in url else "?") + "overflow=split"
        if not service.add(url):
            raise DeliveryError(f"{peer}: apprise does not understand this URL", permanent=True)
        lines: list[str] = []

        def capture(entry: Any, _service: Any) -> None:
            lines.append(entry.message)

        result = service.notify(
            body=body,
            title=title,
            body_format=apprise.NotifyFormat.TEXT,
            log_callback=capture,
            log_level=logging.WARNING,
        )
        if result:
            return
        timed_out = getattr(result, "status", None) == apprise.AppriseResultStatus.TIMEOUT
        raise classify(lines, timed_out, peer)
