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
The last file (the `.json` record) is written under a hidden temporary name and renamed
into place, so a crash never leaves an empty or partial record.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path
from typing import Literal

from pydantic import Field

from mailer.config.base import DestinationModel
from mailer.core.clock import utc_now
from mailer.core.models import AlertBatch
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


class _NotPlainJson(Exception):
    """A value `dumps_indented` leaves to the json module."""


def dumps_indented(value: object) -> str:
    """`json.dumps(value, indent=2, ensure_ascii=False)`, the same text, several times
    faster: with `indent` the json module encodes in pure Python, a generator per level
    (a third of writing a batch's files); here strings go to its C escaper and each
    container is one join. Values other than dicts with string keys, lists, tuples,
    strings, ints, floats, booleans and None are left to json.dumps."""
    try:
        return _indented(value, "\n")
    except _NotPlainJson:
        return json.dumps(value, indent=2, ensure_ascii=False)


def _indented(value: object, newline: str) -> str:
    if isinstance(value, str):
        return _encode_string(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return json.dumps(value)  # repr, or NaN / Infinity as json writes them
    inner = newline + "  "
    # a string value (most of a Slack payload) is escaped here, without a call for it
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = []
        for key, item in value.items():
            if not isinstance(key, str):
                raise _NotPlainJson
            text = _encode_string(item) if type(item) is str else _indented(item, inner)
            items.append(f"{_encode_string(key)}: {text}")
        return "{" + inner + ("," + inner).join(items) + newline + "}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        texts = [_encode_string(v) if type(v) is str else _indented(v, inner) for v in value]
        return "[" + inner + ("," + inner).join(texts) + newline + "]"
    raise _NotPlainJson


_encode_string = json.encoder.encode_basestring  # the C escaper json uses with ensure_ascii=False


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
        files: list[tuple[str, str]] = [(".slack.json", dumps_indented(render_slack(batch)))]
        for number, message in enumerate(messages, 1):
            part = "" if len(messages) == 1 else f".part{number}-of-{len(messages)}"
            files.append((f"{part}.eml", message.as_string()))
            files.append((f"{part}.html", _html_of(message)))
        files.append((".json", dumps_indented(batch_record(batch))))
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
                for number, (suffix, text) in enumerate(parts[1:], 2):
                    path = self.directory / f"{name}{suffix}"
                    if number < len(parts):
                        with open(path, "x", encoding="utf-8") as f:
                            f.write(text)
                    else:  # the record, written last: whole or absent, even after a kill
                        temporary = self.directory / f".{name}{suffix}.tmp"
                        with open(temporary, "w", encoding="utf-8") as f:
                            f.write(text)
                        os.replace(temporary, path)  # the stem is ours: nothing to overwrite
                    written.append(path)
                return written
        except OSError as e:
            raise DeliveryError(f"cannot write to {self.directory}: {e.strerror or e}") from e
        raise DeliveryError(f"too many files named {stem}* in {self.directory}", permanent=True)
