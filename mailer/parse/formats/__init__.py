"""Newsletter formats, one module each, tried in the order of FORMATS.

Adding a format: write `formats/<name>.py` exposing `FORMAT = DigestFormat(...)` and add it
to FORMATS before `generic` (the fallback that finds papers by their links in any email).
"""

from __future__ import annotations

from mailer.parse.formats import arxiv_listing, generic, hf_daily, scholar
from mailer.parse.formats.base import DigestFormat
from mailer.parse.message import Envelope

FORMATS: tuple[DigestFormat, ...] = (
    hf_daily.FORMAT,
    arxiv_listing.FORMAT,
    scholar.FORMAT,
    generic.FORMAT,
)
FALLBACK = generic.FORMAT


def candidate_formats(envelope: Envelope) -> list[DigestFormat]:
    """Formats to try, most specific first: known senders, then content markers, then generic."""
    by_sender = [f for f in FORMATS if f.is_known_sender(envelope)]
    by_content = [f for f in FORMATS if f not in by_sender and f.looks_like(envelope)]
    ordered = by_sender + [f for f in by_content if f is not FALLBACK]
    return [*ordered, FALLBACK]


__all__ = ["FALLBACK", "FORMATS", "DigestFormat", "candidate_formats"]
