"""The file destination: every delivered message becomes new files, never overwritten.

For a batch it writes, under the destination's `path`, files sharing one stem such as
`2025-10-14T090000Z-small-llms-preview-3f2a9c1e`:

- `.slack.json`: the Slack `chat.postMessage` payload(s), as a Slack channel would send
- `.eml` and `.html`: the email exactly as the email channel would send it (headers
  such as Auto-Submitted and List-Unsubscribe, From from `smtp:`, To from the
  destination's `to:` or else the From address); a feed the email channel splits is
  written as `.part1-of-3.eml`, `.part1-of-3.html` and so on
- `.json`: what was delivered (rule, destination, batch, papers and why), written last

Files are created with O_EXCL; when a stem is taken (the same batch delivered again,
e.g. after a crash between writing and recording), a `-2`, `-3`... suffix is added.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path
from typing import Literal

from pydantic import Field

from mailer.clock import utc_now
from mailer.config_base import DestinationModel
from mailer.models import AlertBatch
from mailer.notify import ChannelContext, ChannelSpec, DeliveryError


class FileDestination(DestinationModel):
    kind: Literal["file"]
    path: Path
    to: list[str] = Field(default_factory=list)  # the .eml's To: (default: the From address)


CHANNEL = ChannelSpec(
    kind="file",
    model=FileDestination,
    channel="mailer.notify.file:FileChannel",
    keys="`path`, `to` (optional)",
    summary="writes every delivered message as new files (below)",
)

DEFAULT_FROM = "paper-mailer <paper-mailer@localhost>"
_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str, limit: int = 40) -> str:
    return _SLUG.sub("-", text.casefold()).strip("-")[:limit] or "x"


def batch_stem(batch: AlertBatch) -> str:
    ids = "\n".join(sorted(item.paper.id for item in batch.items))
    digest = hashlib.sha256(
        f"{batch.rule}\n{batch.destination}\n{batch.batch_key.to_str()}\n{ids}".encode()
    ).hexdigest()[:8]
    when = batch.created.strftime("%Y-%m-%dT%H%M%SZ")
    return f"{when}-{slug(batch.rule)}-{slug(batch.destination)}-{digest}"


def batch_record(batch: AlertBatch) -> dict[str, object]:
    return {
        "rule": batch.rule,
        "destination": batch.destination,
        "batch_key": batch.batch_key.to_str(),
        "created": batch.created.isoformat(),
        "alerts": [
            {
                "paper_id": item.paper.id,
                "title": item.paper.title,
                "url": item.paper.url,
                "why": item.match.explain(),
            }
            for item in batch.items
        ],
    }


def _html_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("html",))
    return body.get_content() if body is not None else ""


class FileChannel:
    def __init__(
        self,
        name: str,
        destination: DestinationModel,
        context: ChannelContext,
        *,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        if not isinstance(destination, FileDestination):
            raise TypeError(f"FileChannel needs a file destination, not {destination.kind}")
        smtp = context.smtp
        self.name = name
        self.directory = destination.path
        self.sender = smtp.from_ if smtp else DEFAULT_FROM
        self.to = destination.to or [parseaddr(self.sender)[1] or self.sender]
        self.unsubscribe = smtp.unsubscribe if smtp else None
        self.now = now

    def deliver(self, batch: AlertBatch) -> None:
        from mailer.notify.email import build_batch_messages
        from mailer.notify.render import render_slack

        messages = build_batch_messages(
            batch, sender=self.sender, to=self.to, date=self.now(), unsubscribe=self.unsubscribe
        )
        files: list[tuple[str, str]] = [
            (".slack.json", json.dumps(render_slack(batch), indent=2, ensure_ascii=False))
        ]
        for number, message in enumerate(messages, 1):
            part = "" if len(messages) == 1 else f".part{number}-of-{len(messages)}"
            files.append((f"{part}.eml", message.as_string()))
            files.append((f"{part}.html", _html_of(message)))
        files.append((".json", json.dumps(batch_record(batch), indent=2, ensure_ascii=False)))
        self._write_new(batch_stem(batch), files)

    def send_notice(self, subject: str, text: str) -> None:
        from mailer.notify.render import render_notice_text

        self._write_new(f"notice-{slug(subject)}", [(".txt", render_notice_text(subject, text))])

    def _write_new(self, stem: str, parts: list[tuple[str, str]]) -> list[Path]:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            for attempt in range(1, 1000):
                name = stem if attempt == 1 else f"{stem}-{attempt}"
                first_suffix, first_text = parts[0]
                try:
                    with open(self.directory / f"{name}{first_suffix}", "x", encoding="utf-8") as f:
                        f.write(first_text)
                except FileExistsError:
                    continue
                written = [self.directory / f"{name}{first_suffix}"]
                for suffix, text in parts[1:]:
                    path = self.directory / f"{name}{suffix}"
                    with open(path, "x", encoding="utf-8") as f:
                        f.write(text)
                    written.append(path)
                return written
        except OSError as e:
            raise DeliveryError(f"cannot write to {self.directory}: {e.strerror or e}") from e
        raise DeliveryError(f"too many files named {stem}* in {self.directory}", permanent=True)
