"""Keys that cross module seams and are stored as text: parsed once into frozen values.

Each type owns its one text form: `to_str()` writes it (for a column, a log line or a
progress key) and `parse()` reads it back; no other code builds or splits these strings.

- `BatchKey`: which delivery batch an alert joins (`msg:<message key>`,
  `day:YYYY-MM-DD`, `test:<time>` for `mailer notify test`).
- `Claim`: an outbox worker's lease on the rows it delivers (`host:pid:token`).
- `DestinationRef`: where a rule's alerts go, a destination of the config by name
  (`team`) or a target written inline in a rule (`slack:#papers`).
- `NoticeKey`: the subject of an operational notice (`source:<name>`,
  `destination:<name>`).

Pure: no I/O, no clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, get_args

BatchKind = Literal["msg", "day", "test"]
_BATCH_KINDS: tuple[str, ...] = get_args(BatchKind)


@dataclass(frozen=True, slots=True, order=True)
class BatchKey:
    """The delivery batch an alert joins: one message goes out per (rule, destination,
    batch key). `immediate` alerts are batched per email (`msg`), `daily` ones per local
    day (`day`); `test` keys a sample batch of `mailer notify test`."""

    kind: BatchKind
    value: str  # the message key, the ISO date, or the test's timestamp

    @classmethod
    def for_message(cls, message_key: str) -> BatchKey:
        return cls("msg", message_key)

    @classmethod
    def for_day(cls, day: date) -> BatchKey:
        return cls("day", day.isoformat())

    @classmethod
    def for_test(cls, at: datetime) -> BatchKey:
        return cls("test", at.strftime("%Y%m%dT%H%M%S"))

    @property
    def is_daily(self) -> bool:
        return self.kind == "day"

    @property
    def day(self) -> date | None:
        """A daily batch's day; None for other batches (or a day that does not parse)."""
        if self.kind != "day":
            return None
        try:
            return date.fromisoformat(self.value[:10])
        except ValueError:
            return None

    def to_str(self) -> str:
        """The stored and logged form: `msg:inbox/INBOX/7/41`, `day:2025-10-14`."""
        return f"{self.kind}:{self.value}"

    @classmethod
    def parse(cls, text: str) -> BatchKey:
        kind, sep, value = text.partition(":")
        if not sep or kind not in _BATCH_KINDS:
            raise ValueError(f"not a batch key: {text[:60]!r}")
        return cls(kind, value)  # type: ignore[arg-type]  # checked against _BATCH_KINDS

    def __str__(self) -> str:
        return self.to_str()


@dataclass(frozen=True, slots=True)
class Claim:
    """An outbox worker's lease: the worker (`host:pid`, the prefix a replica of `mailer
    serve` is named by) and a token new for each claim."""

    host: str
    pid: int
    token: str

    @property
    def worker(self) -> str:
        """`host:pid`: the same as the name of the replica the worker runs in."""
        return f"{self.host}:{self.pid}"

    def to_str(self) -> str:
        return f"{self.host}:{self.pid}:{self.token}"

    @classmethod
    def parse(cls, text: str) -> Claim:
        parts = text.rsplit(":", 2)
        if len(parts) != 3 or not parts[1].isdigit() or not parts[0] or not parts[2]:
            raise ValueError(f"not a claim: {text[:60]!r}")
        return cls(parts[0], int(parts[1]), parts[2])

    def __str__(self) -> str:
        return self.to_str()


_INLINE_KEY = re.compile(r"[a-z][a-z0-9_]*\Z")


@dataclass(frozen=True, slots=True)
class DestinationRef:
    """Where alerts go: `name` of a destination in the config's `destinations:`, or
    (with `inline`) the key of a target a rule writes inline, `to: {slack: "#papers"}`,
    whose value is `name`.

    A secret inline value (an apprise URL holding a token) is never kept: the rule
    loader gives it as `name` its safe form (`discord://...3f2a9c1e`) and the config
    remembers the real destination under that reference.
    """

    name: str
    inline: str | None = None  # the inline target's key (`slack`, `email`, `apprise`)

    @classmethod
    def named(cls, name: str) -> DestinationRef:
        return cls(name)

    @classmethod
    def inline_target(cls, key: str, value: str) -> DestinationRef:
        if not _INLINE_KEY.match(key):
            raise ValueError(f"not an inline target key: {key!r}")
        return cls(value, key)

    @property
    def is_inline(self) -> bool:
        return self.inline is not None

    def to_str(self) -> str:
        """How the outbox, logs and output name it: `team`, `slack:#papers`."""
        return self.name if self.inline is None else f"{self.inline}:{self.name}"

    @classmethod
    def parse(cls, text: str) -> DestinationRef:
        """A stored or written destination: `key:value` with an inline key (lower-case
        word) is an inline target; anything else names a configured destination."""
        key, sep, value = text.partition(":")
        if sep and value and _INLINE_KEY.match(key):
            return cls(value, key)
        return cls(text)

    def __str__(self) -> str:
        return self.to_str()


NoticeSubject = Literal["source", "destination"]
_NOTICE_SUBJECTS: tuple[str, ...] = get_args(NoticeSubject)


@dataclass(frozen=True, slots=True, order=True)
class NoticeKey:
    """What an operational notice is about: a source that went silent or a destination
    that keeps failing (the service tells the admin once when it turns bad, once when it
    recovers)."""

    subject: NoticeSubject
    name: str

    @classmethod
    def source(cls, name: str) -> NoticeKey:
        return cls("source", name)

    @classmethod
    def destination(cls, name: str) -> NoticeKey:
        return cls("destination", name)

    def to_str(self) -> str:
        return f"{self.subject}:{self.name}"

    @classmethod
    def parse(cls, text: str) -> NoticeKey:
        subject, sep, name = text.partition(":")
        if not sep or subject not in _NOTICE_SUBJECTS:
            raise ValueError(f"not a notice key: {text[:60]!r}")
        return cls(subject, name)  # type: ignore[arg-type]  # checked against _NOTICE_SUBJECTS

    def __str__(self) -> str:
        return self.to_str()
