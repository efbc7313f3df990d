"""Where digests come from. One module per source kind, listed in SOURCES.

A source yields `IncomingMessage`s it has not handed over before, judged by the
`SourceState` the store provides; the pipeline parses, matches and enqueues each one
in a transaction, and only then calls `after_commit` (IMAP: mark seen / move).

What the pipeline and the service need to know about a source is in its
`Capabilities`, never in its `kind:`: what an item is (an email's bytes, or a saved
document named by its uid), whether an item left unrecorded is offered again, and
whether the source can be watched (then it is a `WatchableSource`). Nothing outside
this package asks which kind a source is.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Literal, Protocol, TypeGuard

from mailer.core.errors import MailerError

if TYPE_CHECKING:
    from mailer.core.timings import Timings
    from mailer.sources.watching import OnFailure, Sweep, Watcher

ItemKind = Literal["email", "document"]


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a source promises about its items, for the pipeline and the service."""

    # "email": `raw` is an email's bytes; "document": a saved file whose uid names it
    # (`.eml`, a message of an mbox, or a `.txt` page parsed as text)
    item: ItemKind
    # an item not recorded is offered again on the next fetch (a file stays in its
    # folder): one it could not read is reported but not recorded, so the next run
    # tries again, and one `--since` drops is not recorded as skipped. An IMAP folder
    # moves on past the highest UID, so there both are recorded.
    offers_again: bool
    # a watcher thread can push its new items (IMAP IDLE): the service starts one
    # (`WatchableSource.watcher`) instead of polling it on a schedule
    watchable: bool = False


EMAIL = Capabilities(item="email", offers_again=False)


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
    capabilities: Capabilities

    def fetch(self, state: SourceState, since: date | None = None) -> Iterator[IncomingMessage]:
        """New messages, oldest first. Raises SourceError when the source cannot be read."""
        ...

    def after_commit(self, message: IncomingMessage) -> None:
        """Post-processing once the message's papers and alerts are durably stored."""
        ...

    def check_connection(self) -> str | None:
        """`mailer check --connect`: log in and look without fetching anything; one line
        saying what was found, or None when there is nothing to connect to (a local
        folder). Raises SourceError (or any error of a missing secret) when it fails."""
        ...

    def close(self) -> None: ...


class WatchableSource(Source, Protocol):
    """A source whose `capabilities.watchable` is true."""

    def watcher(self, sweep: Sweep, on_failure: OnFailure, timings: Timings) -> Watcher:
        """An unstarted watcher that calls `sweep` when new items arrive (and on connect),
        and `on_failure` with one line each time it fails to watch."""
        ...


def is_watchable(source: Source) -> TypeGuard[WatchableSource]:
    return source.capabilities.watchable and callable(getattr(source, "watcher", None))


class SourceError(MailerError):
    """A source cannot be read; the message is one line naming the source and what to check."""

    def __init__(self, source: str, message: str) -> None:
        super().__init__(f"source {source}: {message}")
        self.source = source
        self.detail = message
