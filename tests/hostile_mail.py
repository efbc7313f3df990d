"""Hostile emails for the budget tests, generated on the fly (nothing big is committed)."""

from __future__ import annotations

import os
from email.message import EmailMessage


def _base(subject: str, message_id: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Hugging Face <notifications@huggingface.co>"
    message["To"] = "papers@example.com"
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message["Date"] = "Tue, 14 Oct 2025 07:00:00 +0000"
    return message


def big_attachment(megabytes: int = 24) -> bytes:
    """A short text body and one binary attachment of about `megabytes` MB once encoded."""
    message = _base("slides", "<big-attachment@example.com>")
    message.set_content("the slides are attached")
    size = megabytes * 1_000_000 * 3 // 4  # base64 grows it by a third
    message.add_attachment(
        os.urandom(size), maintype="application", subtype="octet-stream", filename="slides.bin"
    )
    return message.as_bytes()


def many_paragraphs(megabytes: int = 5) -> bytes:
    """An HTML body of `megabytes` MB of `<p>`."""
    message = _base("paragraphs", "<many-paragraphs@example.com>")
    message.set_content(
        "<html><body>" + "<p>" * (megabytes * 1_000_000 // 3) + "</body></html>",
        subtype="html",
        cte="base64",
    )
    return message.as_bytes()


def nested_forward(depth: int = 40) -> bytes:
    """A digest forwarded `depth` times, each forward attaching the previous one."""
    inner = _base("Daily Papers", "<nested-0@example.com>")
    inner.set_content(
        '<a href="https://huggingface.co/papers/2401.00001">A paper</a>', subtype="html"
    )
    for level in range(1, depth + 1):
        outer = _base(f"Fwd: level {level}", f"<nested-{level}@example.com>")
        outer.set_content("forwarded")
        outer.add_attachment(inner)
        inner = outer
    return inner.as_bytes()


def nested_tables(levels: int = 200_000) -> bytes:
    message = _base("tables", "<nested-tables@example.com>")
    message.set_content("<table><tr><td>" * levels + "x", subtype="html", cte="base64")
    return message.as_bytes()
