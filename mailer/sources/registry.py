"""Every source, by `kind:` in the config. Adding a source: one module in
mailer/sources/ and one line here.

Each entry names a class (imported only when a source of that kind is configured, so a
directory run never imports the IMAP client) constructed as `Class(config, settings)`:
its config model (`mailer.config.DirectorySource`, `mailer.config.ImapSource`) and
the one Settings object (for secrets). The instance implements `mailer.sources.Source`.
"""

from __future__ import annotations

import importlib

from mailer.config import Settings
from mailer.config import Source as SourceConfig
from mailer.sources import Source

SOURCES: dict[str, str] = {
    "directory": "mailer.sources.directory:DirectorySource",
    "imap": "mailer.sources.imap:ImapSource",
}


class UnknownSource(Exception):
    """No source module for a `kind:` (not built, or a typo in SOURCES)."""


def open_source(config: SourceConfig, settings: Settings) -> Source:
    target = SOURCES.get(config.kind)
    if target is None:
        raise UnknownSource(f"source {config.name}: no source of kind {config.kind!r}")
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name == module_name:
            raise UnknownSource(
                f"source {config.name}: {config.kind} sources are not available "
                f"({module_name} is missing)"
            ) from e
        raise
    source: Source = getattr(module, attr)(config, settings)
    return source
