"""Every channel, by destination kind. Adding a channel: one module in mailer/notify/
and one line here.

Each entry names a class (imported only when a destination of that kind is used, so a
console run does not load slack-sdk) constructed as `Class(name, destination, settings)`:
the destination's name as rules write it (`preview`, `slack:#papers`), its config
model (`mailer.config.FileDestination`, ...) and the one Settings object (for default
accounts and secrets). The instance must implement `mailer.notify.Channel`.

A channel that sends one batch as several messages (Slack threads, email feeds split
into parts) also takes a `progress=` keyword (`mailer.notify.slack.DeliveryProgress`); `create_channel` passes
the one it is given (the outbox passes the store's, so a restart resumes a feed) to
every class whose constructor has that keyword.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

from mailer.config import Destination, Settings
from mailer.errors import UsageError
from mailer.lazy import import_target
from mailer.notify import Channel

if TYPE_CHECKING:
    from mailer.notify.slack import DeliveryProgress

CHANNELS: dict[str, str] = {
    "console": "mailer.notify.console:ConsoleChannel",
    "file": "mailer.notify.file:FileChannel",
    "slack": "mailer.notify.slack:SlackChannel",
    "email": "mailer.notify.email:EmailChannel",
}


class UnknownChannel(UsageError):
    """No channel module for a destination kind (not built, or a typo in CHANNELS)."""


def create_channel(
    name: str,
    destination: Destination,
    settings: Settings,
    *,
    progress: DeliveryProgress | None = None,
) -> Channel:
    target = CHANNELS.get(destination.kind)
    if target is None:
        raise UnknownChannel(f"no channel for destination kind {destination.kind!r}")
    cls = import_target(target)
    if cls is None:
        raise UnknownChannel(f"the {destination.kind} channel is not available ({target})")
    options: dict[str, Any] = {}
    if progress is not None and "progress" in inspect.signature(cls).parameters:
        options["progress"] = progress
    channel: Channel = cls(name, destination, settings, **options)
    return channel
