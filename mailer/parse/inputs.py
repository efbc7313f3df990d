"""Saved documents as bytes: `.eml` emails, mbox files (split into messages), `.txt`
pages, told apart by name and content; pure (no filesystem: the directory source,
`mailer.sources.files`, walks folders and reads files).
"""

from __future__ import annotations

import re

from mailer.core.models import ParsedDigest
from mailer.parse.digest import parse_email, parse_page

PAGE_SUFFIXES = (".txt",)
_MBOX_FROM = re.compile(rb"^From \S+.*$", re.MULTILINE)
_MBOX_ESCAPED = re.compile(rb"^>(>*From )", re.MULTILINE)


def is_mbox(raw: bytes) -> bool:
    return raw.startswith(b"From ")


def split_mbox(raw: bytes) -> list[bytes]:
    """The messages of an mbox (mboxrd `>From ` lines unescaped)."""
    starts = [
        m.start()
        for m in _MBOX_FROM.finditer(raw)
        if m.start() == 0 or raw[m.start() - 1 : m.start()] == b"\n"
    ]
    if not starts:  # empty, or one message saved without the mbox "From " line
        return [raw] if raw.strip() else []
    messages = []
    for begin, end in zip(starts, [*starts[1:], len(raw)], strict=True):
        chunk = raw[begin:end]
        chunk = chunk.split(b"\n", 1)[1] if b"\n" in chunk else b""
        messages.append(_MBOX_ESCAPED.sub(rb"\1", chunk))
    return messages


def is_page(name: str) -> bool:
    return name.lower().endswith(PAGE_SUFFIXES)


def decode_page(raw: bytes) -> str:
    """A saved page as text: UTF-8 (with or without BOM), UTF-16 with its BOM (Windows
    Notepad's "Unicode"), else Windows-1252 as older editors save it."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", errors="replace")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def parse_document(name: str, raw: bytes) -> ParsedDigest:
    """A `.txt` page or an email, by its name. Never raises."""
    if is_page(name):
        return parse_page(decode_page(raw), name=name)
    return parse_email(raw)
