"""Every channel. Adding a channel: one module in mailer/notify/ and one line here.

Each module listed in CHANNEL_MODULES exports `CHANNEL`, a `mailer.notify.ChannelSpec`:
its destination kind, config model, inline rule targets and class. From these specs
come the config's destination union (`mailer.config.settings.Destination`), the inline targets
rules may write (`to: {slack: "#x"}`, see `inline_target`), their JSON Schema
(`mailer.rules.schema`) and the destination table in docs/configuration.md
(`destinations_table`, kept in step by a test). Channel modules are light to import:
each imports its delivery library (slack-sdk, apprise) only when it first sends.

A channel class is constructed as `Class(name, destination, context)`: the
destination's name as rules write it (`preview`, `slack:#papers`), its own config
model and a `ChannelContext` (secrets reader, default accounts, pacing). A channel
that sends one batch as several messages (Slack threads, email feeds split into
parts) also takes a `progress=` keyword (`mailer.notify.slack.DeliveryProgress`);
`create_channel` passes the one it is given (the outbox passes the store's, so a
restart resumes a feed) to every class whose constructor has that keyword.
"""

from __future__ import annotations

import importlib
import inspect
import logging
from functools import cache
from typing import TYPE_CHECKING, Any

from mailer.config.base import DestinationModel
from mailer.core.errors import UsageError
from mailer.core.keys import DestinationRef
from mailer.lazy import import_target
from mailer.notify import Channel, ChannelContext, ChannelSpec, InlineTarget

if TYPE_CHECKING:
    from mailer.config.settings import Settings
    from mailer.notify.slack import DeliveryProgress

log = logging.getLogger(__name__)

CHANNEL_MODULES: tuple[str, ...] = (
    "mailer.notify.console",
    "mailer.notify.file",
    "mailer.notify.slack",
    "mailer.notify.email",
    "mailer.notify.apprise",
)


@cache
def channel_specs() -> tuple[ChannelSpec, ...]:
    """Every channel's spec, in CHANNEL_MODULES order."""
    specs: tuple[ChannelSpec, ...] = tuple(
        importlib.import_module(module).CHANNEL for module in CHANNEL_MODULES
    )
    return specs


def spec_for(kind: str) -> ChannelSpec | None:
    return next((spec for spec in channel_specs() if spec.kind == kind), None)


def inline_targets() -> dict[str, InlineTarget]:
    """Every inline rule target by its key (`slack`, `slack_user`, `email`, ...)."""
    return {target.key: target for spec in channel_specs() for target in spec.inline}


def inline_target(ref: DestinationRef) -> InlineTarget | None:
    """The inline target a destination such as `slack:#x` is written with (None for a
    destination of the config, or an unknown key)."""
    return inline_targets().get(ref.inline) if ref.inline is not None else None


def safe_name(name: str) -> str:
    """A destination name fit for output: a secret inline target becomes its stored
    name (`apprise:discord://...3f2a9c1e`), anything else is shown as written."""
    ref = DestinationRef.parse(name)
    target = inline_target(ref)
    return name if target is None else target.ref(ref.name).to_str()


def destinations_table() -> str:
    """The markdown table of destination kinds in docs/configuration.md."""
    lines = ["| kind | keys | what it does |", "|---|---|---|"]
    for spec in channel_specs():
        lines.append(f"| `{spec.kind}` | {spec.keys} | {spec.summary} |")
    return "\n".join(lines) + "\n"


def inline_table() -> str:
    """The markdown table of inline targets in docs/notifications.md."""
    lines = ["| `to:` in a rule | goes to | needs |", "|---|---|---|"]
    for target in inline_targets().values():
        needs = f"the `{target.account}:` account" if target.account else "nothing else"
        lines.append(f"| `{{{target.key}: {target.example}}}` | {target.description} | {needs} |")
    return "\n".join(lines) + "\n"


class UnknownChannel(UsageError):
    """No usable channel for a destination: no module for its kind, or its constructor
    failed (a bug in the channel: permanent, a retry cannot help; traceback logged)."""


def create_channel(
    name: str,
    destination: DestinationModel,
    settings: Settings,
    *,
    progress: DeliveryProgress | None = None,
) -> Channel:
    spec = spec_for(destination.kind)
    if spec is None:
        raise UnknownChannel(f"no channel for destination kind {destination.kind!r}")
    cls = import_target(spec.channel)
    if cls is None:
        raise UnknownChannel(f"the {destination.kind} channel is not available ({spec.channel})")
    options: dict[str, Any] = {}
    if progress is not None and "progress" in inspect.signature(cls).parameters:
        options["progress"] = progress
    shown = safe_name(name)
    try:
        channel: Channel = cls(name, destination, ChannelContext.from_settings(settings), **options)
    except Exception as e:  # a bug in the channel: a retry would fail the same way
        log.exception("the %s channel for %s failed to start", destination.kind, shown)
        raise UnknownChannel(
            f"the {destination.kind} channel for {shown} failed to start: {type(e).__name__}"
        ) from e
    return channel
