"""The rule files the page may show and edit, and saving one safely.

Only files that `rules:` in the config names (directly or as *.yaml in a listed
folder) are reachable: the page refers to a file by its index in that list, never by a
path it sent. Saving writes a temporary file in the same folder, flushes it to disk
and renames it over the old one (readers see the old or the new file, never half of
one); the previous text is kept as `<file>.previous`. A save whose text was edited from
an older copy than the one on disk is refused (someone else saved meanwhile).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mailer.core.errors import MailerError
from mailer.rules.documents import rule_files

PREVIOUS_SUFFIX = ".previous"


class StaleEditError(MailerError):
    """The file changed on disk after the editor loaded it."""


@dataclass(frozen=True, slots=True)
class RuleFile:
    index: int
    path: Path

    @property
    def name(self) -> str:
        return self.path.name


def list_rule_files(paths: Sequence[Path]) -> list[RuleFile]:
    files, _missing = rule_files(paths)
    return [RuleFile(i, p) for i, p in enumerate(files)]


def fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_text(path: Path) -> str:
    return path.read_bytes().decode("utf-8", errors="replace")


def save_rule_file(path: Path, text: str, *, loaded: str | None = None) -> None:
    """Replace `path` with `text` atomically, keeping the old text as `<path>.previous`.
    `loaded` is the fingerprint of the text the edit started from (None: no check)."""
    current = path.read_bytes() if path.exists() else None
    if loaded is not None and current is not None and hashlib.sha256(current).hexdigest() != loaded:
        raise StaleEditError(f"{path.name} changed on disk since it was opened; reload it")
    data = text.encode("utf-8")
    mode = path.stat().st_mode & 0o777 if current is not None else 0o644
    if current is not None:
        _write_atomically(path.with_name(path.name + PREVIOUS_SUFFIX), current, mode)
    _write_atomically(path, data, mode)


def _write_atomically(path: Path, data: bytes, mode: int) -> None:
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    try:  # the rename itself survives a power cut once the folder is synced
        folder = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
