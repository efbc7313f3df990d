"""The file destination: every delivered message becomes new files, never overwritten.

For a batch it writes, under the destination's `path`, files sharing one stem such as
`2025-10-14T090000Z-small-llms-preview-3f2a9c1e`:

- `.slack.json`: the Slack `chat.postMessage` payload(s), as a Slack channel would send
- `.eml` and `.html`: the email, as the email channel would send it
- `.json`: what was delivered (rule, destination, batch, papers and why), written last

Files are created with O_EXCL; when a stem is taken (the same batch delivered again,
e.g. after a crash between writing and recording), a `-2`, `-3`... suffix is added.
"""

from __future__ import annotations

import hashlib
import json
import re
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from mailer.config import Destination, FileDestination, Settings
from mailer.models import AlertBatch
from mailer.notify import DeliveryError
from mailer.notify.render import render_email, render_notice_text, render_slack

DEFAULT_FROM = "paper-mailer <paper-mailer@localhost>"
_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str, limit: int = 40) -> str:
    return _SLUG.sub("-", text.casefold()).strip("-")[:limit] or "x"


def batch_stem(batch: AlertBatch) -> str:
    ids = "\n".join(sorted(item.paper.id for item in batch.items))
    digest = hashlib.sha256(
        f"{batch.rule}\n{batch.destination}\n{batch.batch_key}\n{ids}".encode()
    ).hexdigest()[:8]
    when = batch.created.strftime("%Y-%m-%dT%H%M%SZ")
    return f"{when}-{slug(batch.rule)}-{slug(batch.destination)}-{digest}"


def batch_record(batch: AlertBatch) -> dict[str, object]:
    return {
        "rule": batch.rule,
        "destination": batch.destination,
        "batch_key": batch.batch_key,
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


class FileChannel:
    def __init__(self, name: str, destination: Destination, settings: Settings) -> None:
        assert isinstance(destination, FileDestination)
        self.name = name
        self.directory = destination.path
        self.sender = settings.smtp.from_ if settings.smtp else DEFAULT_FROM
        self.unsubscribe = settings.smtp.unsubscribe if settings.smtp else None

    def deliver(self, batch: AlertBatch) -> None:
        email = render_email(batch, unsubscribe=self.unsubscribe)
        message = EmailMessage()
        message["Subject"] = email.subject
        message["From"] = self.sender
        message["To"] = "undisclosed-recipients:;"
        message["Date"] = format_datetime(batch.created)
        message["Message-ID"] = make_msgid(domain="paper-mailer.local")
        message.set_content(email.text)
        message.add_alternative(email.html, subtype="html")
        self._write_new(
            batch_stem(batch),
            [
                (".slack.json", json.dumps(render_slack(batch), indent=2, ensure_ascii=False)),
                (".eml", message.as_string()),
                (".html", email.html),
                (".json", json.dumps(batch_record(batch), indent=2, ensure_ascii=False)),
            ],
        )

    def send_notice(self, subject: str, text: str) -> None:
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
