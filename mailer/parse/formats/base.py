"""What a format module provides: recognising its digests and reading papers from them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mailer.core.models import Paper, PaperFormat
from mailer.parse.message import Envelope


@dataclass(frozen=True, slots=True)
class DigestFormat:
    """One newsletter format.

    `is_known_sender`: the envelope comes from this newsletter's sender (zero papers from
    it is then a problem worth an alert: the template probably changed).
    `looks_like`: the content has this format's markers (forwarded copies, unknown senders).
    `parse`: the papers, in digest order; may raise (the caller records it as a problem).
    """

    name: PaperFormat
    is_known_sender: Callable[[Envelope], bool]
    looks_like: Callable[[Envelope], bool]
    parse: Callable[[Envelope], list[Paper]]


def never(_: Envelope) -> bool:
    return False
