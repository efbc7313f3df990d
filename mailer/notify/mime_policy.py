"""The email policy our messages are built with: the stdlib's `SMTP` policy whose
header registry makes each header class once.

`email.headerregistry.HeaderRegistry.__getitem__` creates a new class with `type()`
every time a header is set or read (about 0.2 ms each, 28 per alert email built and
written): half of building a batch's message. The classes it makes depend only on
the header's name, so they are kept; every header parses and folds as before.
"""

from __future__ import annotations

from email.headerregistry import BaseHeader, HeaderRegistry
from email.policy import SMTP
from typing import Any


class CachedHeaderRegistry(HeaderRegistry):
    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type[BaseHeader]] = {}

    def __deepcopy__(self, memo: dict[int, Any]) -> CachedHeaderRegistry:
        return self  # shared, like the classes it hands out (the generator copies messages)

    def __getitem__(self, name: str) -> type[BaseHeader]:
        key = name.lower()
        made = self._made.get(key)
        if made is None:
            made = super().__getitem__(name)
            if len(self._made) < 256:  # names come from us; bounded all the same
                self._made[key] = made  # two threads racing here make one class twice: harmless
        return made


SMTP_POLICY = SMTP.clone(header_factory=CachedHeaderRegistry())
