"""Documents on disk: `.eml` files, mbox files (one item per message), `.txt` pages.

Names are relative to the path given and stable: `sub/a.eml`, `box.mbox#3` (1-based),
sorted, so a directory source can remember what it has handed over.

One bad file does not stop the rest: a file that cannot be read (permissions, removed
while listing) or an email over MAX_DOCUMENT_BYTES becomes an `UnreadableDocument`,
handed to the caller's `on_error` while the other documents still come.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

from mailer.errors import MailerError
from mailer.models import ParsedDigest
from mailer.parse.digest import parse_email, parse_page

PAGE_SUFFIXES = (".txt",)
# The IMAP source's default max_message_bytes: parsing a larger email takes seconds and
# hundreds of MB. An mbox file may be larger; each message in it is held to this.
MAX_DOCUMENT_BYTES = 25_000_000
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


def _files(path: Path) -> list[tuple[str, Path]]:
    if path.is_file():
        return [(path.name, path)]
    found = [
        (p.relative_to(path).as_posix(), p)
        for p in path.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
    ]
    return sorted(found)


class UnreadableDocument(OSError, MailerError):
    """A document that cannot be handed over; `reason` says why in a few words."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


def _too_large(what: str, size: int) -> str:
    return f"{what} is {size:,} bytes, over the limit of {MAX_DOCUMENT_BYTES:,}"


def _read(name: str, file: Path) -> bytes:
    """The file's bytes; an email or page over the limit is not read (an mbox may be larger)."""
    try:
        size = file.stat().st_size
        if size > MAX_DOCUMENT_BYTES and file.suffix.lower() != ".mbox":
            with file.open("rb") as stream:
                if not is_mbox(stream.read(5)):
                    raise UnreadableDocument(name, _too_large("file", size))
        return file.read_bytes()
    except UnreadableDocument:
        raise
    except OSError as e:
        raise UnreadableDocument(name, f"cannot read the file: {e.strerror or e}") from e


def _documents(path: Path) -> Iterator[tuple[str, bytes] | UnreadableDocument]:
    for name, file in _files(path):
        suffix = file.suffix.lower()
        if path.is_dir() and suffix not in (".eml", ".mbox", ".txt", ""):
            continue
        try:
            raw = _read(name, file)
        except UnreadableDocument as e:
            yield e
            continue
        if suffix in PAGE_SUFFIXES:
            yield name, raw
        elif suffix == ".mbox" or is_mbox(raw):
            for number, message in enumerate(split_mbox(raw), start=1):
                item = f"{name}#{number}"
                if len(message) > MAX_DOCUMENT_BYTES:
                    yield UnreadableDocument(item, _too_large("message", len(message)))
                else:
                    yield item, message
        elif suffix == ".eml" or path.is_file():
            yield name, raw


def iter_documents(
    path: Path, *, on_error: Callable[[UnreadableDocument], None] | None = None
) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) for every document under `path`: .eml, mbox messages, .txt pages.

    In a directory, files other than .eml, .mbox, .txt and files starting "From " are skipped.
    A document that cannot be read goes to `on_error`, in its place in the order, and the
    rest still come; without `on_error` it is raised (an OSError).
    """
    for document in _documents(path):
        if isinstance(document, UnreadableDocument):
            if on_error is None:
                raise document
            on_error(document)
        else:
            yield document


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
