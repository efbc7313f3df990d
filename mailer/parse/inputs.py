"""Documents on disk: `.eml` files, mbox files (one item per message), `.txt` pages.

Names are relative to the path given and stable: `sub/a.eml`, `box.mbox#3` (1-based),
sorted, so a directory source can remember what it has handed over.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from mailer.models import ParsedDigest
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
    messages = []
    for begin, end in zip(starts, [*starts[1:], len(raw)], strict=True):
        chunk = raw[begin:end]
        chunk = chunk.split(b"\n", 1)[1] if b"\n" in chunk else b""
        messages.append(_MBOX_ESCAPED.sub(rb"\1", chunk))
    return messages


def _files(path: Path) -> list[tuple[str, Path]]:
    if path.is_file():
        return [(path.name, path)]
    found = [
        (p.relative_to(path).as_posix(), p)
        for p in path.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
    ]
    return sorted(found)


def iter_documents(path: Path) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) for every document under `path`: .eml, mbox messages, .txt pages.

    In a directory, files other than .eml, .mbox, .txt and files starting "From " are skipped.
    """
    for name, file in _files(path):
        suffix = file.suffix.lower()
        if path.is_dir() and suffix not in (".eml", ".mbox", ".txt", ""):
            continue
        raw = file.read_bytes()
        if suffix in PAGE_SUFFIXES:
            yield name, raw
        elif suffix == ".mbox" or is_mbox(raw):
            for number, message in enumerate(split_mbox(raw), start=1):
                yield f"{name}#{number}", message
        elif suffix == ".eml" or path.is_file():
            yield name, raw


def is_page(name: str) -> bool:
    return name.lower().endswith(PAGE_SUFFIXES)


def decode_page(raw: bytes) -> str:
    """A saved page as text: UTF-8 (with or without BOM), else Windows-1252 as editors save it."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def parse_document(name: str, raw: bytes) -> ParsedDigest:
    """A `.txt` page or an email, by its name. Never raises."""
    if is_page(name):
        return parse_page(decode_page(raw), name=name)
    return parse_email(raw)
