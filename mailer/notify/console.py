"""The console destination: each batch as plain text on standard output."""

from __future__ import annotations

import sys
from typing import TextIO

from mailer.config import Destination, Settings
from mailer.models import AlertBatch
from mailer.notify.render import render_notice_text, render_text


class ConsoleChannel:
    def __init__(
        self, name: str, destination: Destination, settings: Settings, stream: TextIO | None = None
    ) -> None:
        self.name = name
        self.stream = stream

    def _write(self, text: str) -> None:
        out = self.stream or sys.stdout  # looked up late: click's runner swaps sys.stdout
        out.write(text.rstrip("\n") + "\n\n")
        out.flush()

    def deliver(self, batch: AlertBatch) -> None:
        self._write(render_text(batch))

    def send_notice(self, subject: str, text: str) -> None:
        self._write(render_notice_text(subject, text))
