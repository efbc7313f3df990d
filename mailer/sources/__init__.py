"""Where digests come from. One module per source kind, listed in SOURCES.

A source yields `IncomingMessage`s it has not handed over before, judged by the
`SourceState` the store provides; the pipeline parses, matches and enqueues each one
in a transaction, and only then calls `after_commit` (IMAP: mark seen / move).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from mailer.errors import MailerError


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    """One email as fetched, known by (source, folder, uidvalidity, uid)."""

    source: str
    folder: str
    uidvalidity: int  # 0 where the source has none (directories)
    uid: str  # the IMAP UID as text, or the file name (with "#n" for the n-th mbox message)
    raw: bytes | None  # None when skipped before download
    message_id: str | None = None  # when the source knows it before parsing
    skip_reason: str | None = None  # e.g. "message is 31 MB, over max_message_bytes (25 MB)"


class SourceState(Protocol):
    """What a source may ask the store, so it hands over each message once."""

    def is_processed(self, source: str, folder: str, uidvalidity: int, uid: str) -> bool: ...

    def highest_uid(self, source: str, folder: str, uidvalidity: int) -> int | None: ...

    def has_message_id(self, message_id: str) -> bool: ...


class Source(Protocol):
    name: str

    def fetch(self, state: SourceState, since: date | None = None) -> Iterator[IncomingMessage]:
        """New messages, oldest first. Raises SourceError when the source cannot be read."""
        ...

    def after_commit(self, message: IncomingMessage) -> None:
        """Post-processing once the message's papers and alerts are durably stored."""
        ...

    def close(self) -> None: ...


class SourceError(MailerError):
    """A source cannot be read; the message is one line naming the source and what to check."""

    def __init__(self, source: str, message: str) -> None:
        super().__init__(f"source {source}: {message}")
        self.source = source
