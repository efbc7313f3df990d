"""A folder of saved digests: `.eml` files, mbox files and `.txt` pages.

Each document is one message: uid = its name (`name.mbox#3` for the third message of
an mbox), folder = the configured path, uidvalidity 0. Documents already processed
are not handed over again, except with `since` (re-processing on purpose: the
pipeline then keeps those whose Date header is on or after that day). The walk
itself (which files, mbox splitting, size limits) is in `mailer.sources.files`.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from datetime import date

from mailer.config.settings import DirectorySource as DirectoryConfig
from mailer.config.settings import Settings
from mailer.sources import Capabilities, IncomingMessage, SourceError, SourceState
from mailer.sources.files import UnreadableDocument, iter_documents


def storable_name(name: str) -> str:
    """A file name as text any database can keep: bytes that are not UTF-8 (which Python
    gives as lone surrogates) spelled `\\xff`, so the name stays unique and readable."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


class DirectorySource:
    # items are saved documents named by their file; a file not recorded (unreadable
    # now, or dropped by --since) is still there next time
    capabilities = Capabilities(item="document", offers_again=True)

    def __init__(self, config: DirectoryConfig, settings: Settings) -> None:  # noqa: ARG002 every source is built from (config, settings)
        self.name = config.name
        self.path = config.path
        self.pattern = config.pattern
        self.folder = str(config.path)

    def fetch(self, state: SourceState, since: date | None = None) -> Iterator[IncomingMessage]:
        if not self.path.is_dir():
            raise SourceError(self.name, f"{self.path} is not a readable directory")
        # an unreadable or oversized file is handed over without content, with the reason:
        # the pipeline reports it without recording it (the next run tries it again), and
        # the other files still come. Documents are handed over as they are read, so a
        # large folder is never held in memory at once.
        unreadable: list[UnreadableDocument] = []  # reported by iter_documents in place
        try:
            for file_name, content in iter_documents(self.path, on_error=unreadable.append):
                for problem in unreadable:
                    yield from self._offer(state, since, problem.name, None, problem.reason)
                unreadable.clear()
                yield from self._offer(state, since, file_name, content, None)
        except OSError as e:
            raise SourceError(self.name, f"cannot read {self.path}: {e.strerror or e}") from e
        for problem in unreadable:
            yield from self._offer(state, since, problem.name, None, problem.reason)

    def _offer(
        self,
        state: SourceState,
        since: date | None,
        file_name: str,
        raw: bytes | None,
        problem: str | None,
    ) -> Iterator[IncomingMessage]:
        """The document as a message, unless the pattern excludes it or it was processed."""
        if not fnmatch.fnmatch(file_name.partition("#")[0], self.pattern):
            return
        name = storable_name(file_name)
        if since is None and state.is_processed(self.name, self.folder, 0, name):
            return
        yield IncomingMessage(
            source=self.name,
            folder=self.folder,
            uidvalidity=0,
            uid=name,
            raw=raw,
            skip_reason=problem,
        )

    def check_connection(self) -> None:
        """A local folder: nothing to log in to (a missing one is `mailer check`'s)."""
        return None

    def after_commit(self, message: IncomingMessage) -> None:
        """Files stay where they are: the store remembers what was processed."""

    def close(self) -> None:
        pass
