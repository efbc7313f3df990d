"""The email policy our messages are built with: the stdlib's `SMTP` policy whose
header registry makes each header class once.

`email.headerregistry.HeaderRegistry.__getitem__` creates a new class with `type()`
every time a header is set or read (about 0.2 ms each, 28 per alert email built and
written): half of building a batch's message. The classes it makes depend only on
the header's name, so they are kept; every header parses and folds as before. The
header values that repeat from message to message (From, To, Auto-Submitted, a part's
Content-Type and Content-Transfer-Encoding) are parsed once too: a parsed header is an
immutable string, so one can be shared.

A header also keeps its folded text (`_FoldedOnce`): writing a message folds every
header again, and a shared one (From, To, a part's Content-Type) folds the same way
each time under the same policy.

`AlertMessage.as_string` writes with `_Generator`, the stdlib generator with two
shortcuts that write the same text: a body goes out in one write instead of two per
line (a 30 KB part was about 800 calls), and a new MIME boundary is looked for in the
parts with a substring test before the stdlib's line regex (compiled anew for every
boundary).

`AlertMessage` is the message class: writing a part that holds 8-bit text as a
string (`as_string`, the file destination's `.eml`) makes the generator deep-copy the
part to re-encode it, hundreds of objects per part; its headers are immutable, so a
copy of the header list is as good.
"""

from __future__ import annotations

import copy
import random
import re
import sys
from email.generator import Generator
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.policy import SMTP
from io import StringIO
from typing import Any, cast

MAX_KEPT_HEADERS = 256  # parsed header values kept (names and values come from us)
MAX_KEPT_VALUE = 200  # characters: longer values (subjects, mostly) are parsed each time


class _FoldedOnce:
    """A header class mixin: `fold` under one policy is worked out once per header value
    (headers are immutable strings). The policy is compared by its class and settings:
    `as_string` folds under a fresh clone of the message's policy every time."""

    def fold(self, *, policy: Any) -> str:
        kept = self.__dict__.get("_folded")
        if kept is not None and kept[0] is type(policy) and kept[1] == policy.__dict__:
            return cast(str, kept[2])
        folded: str = super().fold(policy=policy)  # type: ignore[misc]
        self.__dict__["_folded"] = (type(policy), dict(policy.__dict__), folded)
        return folded


class CachedHeaderRegistry(HeaderRegistry):
    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type[BaseHeader]] = {}
        self._parsed: dict[tuple[str, str], BaseHeader] = {}

    def __deepcopy__(self, memo: dict[int, Any]) -> CachedHeaderRegistry:
        return self  # shared, like the classes it hands out (the generator copies messages)

    def __getitem__(self, name: str) -> type[BaseHeader]:
        key = name.lower()
        made = self._made.get(key)
        if made is None:
            made = type(f"_Folded{name}", (_FoldedOnce, super().__getitem__(name)), {})
            if len(self._made) < 256:  # names come from us; bounded all the same
                self._made[key] = made  # two threads racing here make one class twice: harmless
        return made

    def __call__(self, name: str, value: str) -> BaseHeader:
        if type(value) is not str or len(value) > MAX_KEPT_VALUE:
            return super().__call__(name, value)
        key = (name, value)
        parsed = self._parsed.get(key)
        if parsed is None:
            parsed = super().__call__(name, value)
            if len(self._parsed) >= MAX_KEPT_HEADERS:
                self._parsed.clear()  # dates and ids never repeat: start again
            self._parsed[key] = parsed
        return parsed


_BOUNDARY_DIGITS = f"%0{len(repr(sys.maxsize - 1))}d"  # as email.generator makes them
_LINE_END = re.compile(r"\r\n|\r|\n")  # email.generator's NLCRE


class _Generator(Generator):
    """The stdlib `Generator`, writing the same text with fewer calls (see the module)."""

    def _write_lines(self, lines: str) -> None:
        if lines:  # each line ending made the policy's, as the stdlib writes line by line
            self.write(self._NL.join(_LINE_END.split(lines)))  # type: ignore[attr-defined]

    @classmethod
    def _make_boundary(cls, text: str | None = None) -> str:
        if text is None:
            return cast(str, super()._make_boundary(text))  # type: ignore[misc]
        boundary = ("=" * 15) + (_BOUNDARY_DIGITS % random.randrange(sys.maxsize)) + "=="
        chosen, counter = boundary, 0
        # the stdlib's test, "--boundary" alone on a line, only where it may match
        while ("--" + chosen) in text and re.search(
            "^--" + re.escape(chosen) + "(--)?$", text, re.MULTILINE
        ):
            chosen = f"{boundary}.{counter}"
            counter += 1
        return chosen


class AlertMessage(EmailMessage):
    """An `EmailMessage` whose deep copy shares its immutable parts and that writes
    itself with `_Generator` (see the module)."""

    def as_string(
        self, unixfrom: bool = False, maxheaderlen: int | None = None, policy: Any = None
    ) -> str:
        policy = self.policy if policy is None else policy
        if maxheaderlen is None:  # as EmailMessage.as_string
            maxheaderlen = policy.max_line_length
        out = StringIO()
        writer = _Generator(out, mangle_from_=False, maxheaderlen=maxheaderlen, policy=policy)
        writer.flatten(self, unixfrom=unixfrom)
        return out.getvalue()

    def __deepcopy__(self, memo: dict[int, Any]) -> AlertMessage:
        clone = copy.copy(self)
        clone._headers = list(self._headers)  # type: ignore[attr-defined]
        clone.defects = list(self.defects)
        payload = self._payload  # type: ignore[attr-defined]
        if isinstance(payload, list):
            clone._payload = [copy.deepcopy(part, memo) for part in payload]  # type: ignore[attr-defined]
        return clone


SMTP_POLICY = SMTP.clone(header_factory=CachedHeaderRegistry())
