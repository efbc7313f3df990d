"""The console destination: each batch as plain text on standard output."""

from __future__ import annotations

import sys
from typing import Literal, TextIO

from mailer.config.base import DestinationModel
from mailer.core.models import AlertBatch
from mailer.notify import ChannelContext, ChannelSpec


class ConsoleDestination(DestinationModel):
    kind: Literal["console"]


CHANNEL = ChannelSpec(
    kind="console",
    model=ConsoleDestination,
    channel="mailer.notify.console:ConsoleChannel",
    keys="",
    summary="prints each message as text on standard output",
)


class ConsoleChannel:
    def __init__(
        self,
        name: str,
        destination: DestinationModel,  # noqa: ARG002 the channel contract's signature
        context: ChannelContext | None = None,  # noqa: ARG002 the channel contract's signature
        stream: TextIO | None = None,
    ) -> None:
        self.name = name
        self.stream = stream

    def _write(self, text: str) -> None:
        out = self.stream or sys.stdout  # looked up late: click's runner swaps sys.stdout
        out.write(text.rstrip("\n") + "\n\n")
        out.flush()

    def deliver(self, batch: AlertBatch) -> None:
        from mailer.notify.render import render_text

        self._write(render_text(batch))

    def send_notice(self, subject: str, text: str) -> None:
        from mailer.notify.render import render_notice_text

        self._write(render_notice_text(subject, text))
