"""Documents on disk: `.eml` files, mbox files (one item per message), `.txt` pages.

The directory source's walk (`mailer.sources.directory`), also used by the commands
that read a folder of saved digests (`mailer parse`, `mailer rules test`). Parsing
the bytes stays in the pure core (`mailer.parse.inputs`).

Names are relative to the path given and stable: `sub/a.eml`, `box.mbox#3` (1-based),
sorted, so a directory source can remember what it has handed over.

One bad file does not stop the rest: a file that cannot be read (permissions, removed
while listing) or an email over MAX_DOCUMENT_BYTES becomes an `UnreadableDocument`,
handed to the caller's `on_error` while the other documents still come.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from mailer.core.errors import MailerError
from mailer.parse.inputs import PAGE_SUFFIXES, is_mbox, split_mbox

# The IMAP source's default max_message_bytes: parsing a larger email takes seconds and
# hundreds of MB. An mbox file may be larger; each message in it is held to this.
MAX_DOCUMENT_BYTES = 25_000_000


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
