"""Whether a path given to `mailer rules test` is something it can read: an email, an
mbox, a saved page, or a directory of them. A rule file or a PDF passed by mistake would
otherwise be read as a headerless email and matched as garbage."""

from __future__ import annotations

import re
from pathlib import Path

DOCUMENT_SUFFIXES = (".eml", ".mbox", ".txt")
_HEADER = re.compile(rb"^([A-Za-z][A-Za-z0-9-]*):[ \t]", re.MULTILINE)
_MAIL_HEADERS = frozenset(
    {
        b"from",
        b"to",
        b"subject",
        b"date",
        b"message-id",
        b"mime-version",
        b"received",
        b"return-path",
        b"delivered-to",
        b"content-type",
    }
)
_SNIFF_BYTES = 8192


def not_a_document(path: Path) -> str | None:
    """Why `path` cannot be a digest, or None when it can (directories are walked later
    and skip files of other kinds)."""
    if not path.is_file() or path.suffix.lower() in DOCUMENT_SUFFIXES:
        return None
    try:
        with path.open("rb") as file:
            head = file.read(_SNIFF_BYTES)
    except OSError:
        return None  # reported as unreadable when it is read
    if head.startswith(b"From ") or _looks_like_mail(head):
        return None
    hint = ""
    if path.suffix.lower() in (".yaml", ".yml"):
        hint = "; it looks like a rule file: give rules with --rules FILE"
    return (
        f"{path} is not an email (.eml, mbox) or a saved page (.txt): it has no mail headers{hint}"
    )


def _looks_like_mail(head: bytes) -> bool:
    """Two or more well-known header names before the first blank line."""
    headers = head.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]
    names = {m.group(1).lower() for m in _HEADER.finditer(headers)}
    return len(names & _MAIL_HEADERS) >= 2
