"""Where alerts go. One module per channel, listed in CHANNELS (see CONTRIBUTING.md).

A channel turns an `AlertBatch` into one or more messages (with `render.py`) and
sends them. It raises `DeliveryError` saying whether a retry can help.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from mailer.errors import MailerError
from mailer.models import AlertBatch

if TYPE_CHECKING:
    from mailer.config import Settings


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


def read_channel_secret(
    settings: Settings, *, env: str | None, file: Path | None, what: str
) -> str | None:
    """A channel's credential; a missing one is a permanent DeliveryError (a retry
    cannot help until the operator sets it). The message names the variable, never a value."""
    from mailer.config import ConfigError

    try:
        secret = settings.read_secret(env=env, file=file, what=what)
    except ConfigError as e:
        raise DeliveryError("; ".join(e.problems), permanent=True) from e
    return secret.get_secret_value() if secret else None
