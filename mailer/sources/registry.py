"""Every source, by `kind:` in the config. Adding a source: one module in
mailer/sources/ and one line here.

Each entry names a class (imported only when a source of that kind is configured, so a
directory run never imports the IMAP client) constructed as `Class(config, settings)`:
its config model (`mailer.config.settings.DirectorySource`, `mailer.config.settings.ImapSource`) and
the one Settings object (for secrets). The instance implements `mailer.sources.Source`.
"""

from __future__ import annotations

from mailer.config.settings import Settings
from mailer.config.settings import Source as SourceConfig
from mailer.core.errors import UsageError
from mailer.lazy import import_target
from mailer.sources import Source

SOURCES: dict[str, str] = {
    "directory": "mailer.sources.directory:DirectorySource",
    "imap": "mailer.sources.imap:ImapSource",
}


class UnknownSource(UsageError):
    """No source module for a `kind:` (not built, or a typo in SOURCES)."""


def open_source(config: SourceConfig, settings: Settings) -> Source:
    target = SOURCES.get(config.kind)
    if target is None:
        raise UnknownSource(f"source {config.name}: no source of kind {config.kind!r}")
    cls = import_target(target)
    if cls is None:
        raise UnknownSource(
            f"source {config.name}: {config.kind} sources are not available ({target})"
        )
    source: Source = cls(config, settings)
    return source
