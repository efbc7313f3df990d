"""Where alerts go. One module per channel, listed in CHANNELS (see CONTRIBUTING.md).

A channel turns an `AlertBatch` into one or more messages (with `render.py`) and
sends them. It raises `DeliveryError` saying whether a retry can help.

The contract: a channel module exports `CHANNEL`, a `ChannelSpec` (its destination
kind, config model, inline rule targets and class); the config's destination union,
the rules' inline targets, the rule schema and the docs' destination table are derived
from those specs (`mailer.notify.registry`). A channel is constructed as
`Class(name, destination, context)`: its own destination model and a `ChannelContext`
(a secrets reader and the default accounts), never the whole Settings. So a channel
module stays light to import: its delivery library is imported when it first sends.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from mailer.config.base import DestinationModel
from mailer.core.errors import MailerError
from mailer.core.keys import DestinationRef
from mailer.core.models import AlertBatch

if TYPE_CHECKING:
    from mailer.config.settings import DeliverySettings, Settings
    from mailer.notify.email import SmtpAccount
    from mailer.notify.slack import SlackAccount


class DeliveryError(MailerError):
    """A message could not be delivered.

    `permanent=True` means retrying cannot help (invalid_auth, channel_not_found):
    the alert goes dead at once. Otherwise it is retried with backoff, not before
    `retry_after` seconds when the peer said so (Slack's 429 Retry-After).
    """

    def __init__(
        self, reason: str, *, permanent: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after


class Channel(Protocol):
    def deliver(self, batch: AlertBatch) -> None:
        """Send the batch; raise DeliveryError on failure."""
        ...

    def send_notice(self, subject: str, text: str) -> None:
        """Send an operational notice (a newsletter went silent, a destination keeps
        failing) to this destination; `text` is plain text from the product itself."""
        ...


class DeliveryInterrupted(DeliveryError):
    """The service is stopping: the channel stopped between two parts of a batch (its
    progress is saved). Not a failed attempt: the batch is released as it is."""

    def __init__(self, reason: str = "stopped between parts: the service is stopping") -> None:
        super().__init__(reason)


@runtime_checkable
class InterruptibleChannel(Protocol):
    """A channel that sends a batch in parts and can stop between them."""

    def deliver_until(self, batch: AlertBatch, should_stop: Callable[[], bool]) -> None:
        """Like `deliver`, but raise DeliveryInterrupted between parts once
        `should_stop()` is true."""
        ...


class SecretReader:
    """Reads a channel's credential from the environment variable or file the config
    names. A missing one is a permanent DeliveryError naming the variable, never a value."""

    def __init__(self, read: Callable[..., Any]) -> None:
        self._read = read  # Settings.read_secret: (env=, file=, what=) -> SecretStr | None

    def __call__(self, *, env: str | None, file: Path | None, what: str) -> str | None:
        from mailer.config.settings import ConfigError

        try:
            secret = self._read(env=env, file=file, what=what)
        except ConfigError as e:
            raise DeliveryError("; ".join(e.problems), permanent=True) from e
        return secret.get_secret_value() if secret else None


def _no_secrets(*, env: str | None, file: Path | None, what: str) -> Any:
    from mailer.config.settings import ConfigError

    if env or file:
        raise ConfigError([f"{what}: no secrets in this context"])
    return None


@dataclass(frozen=True)
class ChannelContext:
    """What a channel may know besides its destination: how to read secrets, the
    default accounts its destinations inherit, and the delivery pacing."""

    secrets: SecretReader = field(default_factory=lambda: SecretReader(_no_secrets))
    slack: SlackAccount | None = None
    smtp: SmtpAccount | None = None
    min_interval: float = 1.0  # seconds between two messages to one channel (pacing)

    @classmethod
    def from_settings(cls, settings: Settings) -> ChannelContext:
        delivery: DeliverySettings = settings.delivery
        return cls(
            secrets=SecretReader(settings.read_secret),
            slack=settings.slack,
            smtp=settings.smtp,
            min_interval=delivery.slack_min_interval,
        )


@dataclass(frozen=True)
class InlineTarget:
    """A destination a rule writes inline, `to: {<key>: <value>}`.

    `build` turns the value into the channel's destination model. `account` names the
    config key the target needs (`slack`, `smtp`) or None. A `secret` value (a URL with
    a token) is never stored or shown: rules and the outbox know it by `ref(value)`,
    the scheme and a hash (`apprise:discord://...3f2a9c1e`).
    """

    key: str
    schema: Mapping[str, Any]  # JSON Schema of the value
    build: Callable[[str], DestinationModel]
    example: str
    description: str
    account: str | None = None
    secret: bool = False

    def ref(self, value: str) -> DestinationRef:
        """The destination as rules, the outbox and the logs carry it: the value, or
        for a secret one its scheme and a hash."""
        if not self.secret:
            return DestinationRef.inline_target(self.key, value)
        scheme = value.partition("://")[0] if "://" in value else "?"
        digest = hashlib.sha256(value.encode("utf-8")).hexdigest()[:8]
        return DestinationRef.inline_target(self.key, f"{scheme}://...{digest}")


@dataclass(frozen=True)
class ChannelSpec:
    """One channel, as its module exports it (`CHANNEL = ChannelSpec(...)`)."""

    kind: str
    model: type[DestinationModel]
    channel: str  # "module:Class", imported when a destination of this kind is used
    keys: str  # for the docs' destination table: the keys a destination takes
    summary: str  # ... and what it does
    inline: tuple[InlineTarget, ...] = ()
