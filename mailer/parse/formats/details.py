"""Reading the text around a paper link: upvotes, authors, summary."""

from __future__ import annotations

import re

from mailer.parse.formats.entries import LinkedEntry, paragraphs
from mailer.parse.text import collapse_whitespace

_UPVOTES = re.compile(
    r"(?:[▲⬆↑👍🔥]\ufe0f?\s*(\d[\d,]*)\b)|(?:\b(\d[\d,]*)\s*upvotes?\b)|(?:\bupvotes?\s*[:：]\s*(\d[\d,]*))",
    re.IGNORECASE,
)
_AUTHORS = re.compile(r"^(?:authors?|by)\s*[:\-–]?\s+(.+)$", re.IGNORECASE)
_LABEL = re.compile(
    r"^(?:summary|abstract|ai summary|ai-generated summary|tl;?dr|snippet|why it matters)"
    r"\s*[:\-–]\s*",
    re.IGNORECASE,
)
_AUTHOR_SPLIT = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+|\s*;\s*")
_ET_AL = re.compile(r"\s*(?:,\s*)?(?:et al\.?.*|…|\.\.\.)$")
_META = re.compile(
    r"^(?:[▲⬆↑👍🔥]|\d[\d,]*\s*(?:upvotes?|votes?|comments?)\b|upvotes?\s*[:：]|published|submitted)",
    re.IGNORECASE,
)
MAX_META_CHARS = 120  # upvotes are read from short metadata lines, never from a summary

MIN_SUMMARY_CHARS = 60


def find_upvotes(lines: list[str]) -> int | None:
    for line in lines:
        m = _UPVOTES.search(line) if len(line) <= MAX_META_CHARS else None
        if m:
            return int((m.group(1) or m.group(2) or m.group(3)).replace(",", ""))
    return None


def split_authors(text: str) -> list[str]:
    """`A, B, and C et al.` -> [A, B, C]."""
    text = _ET_AL.sub("", collapse_whitespace(text))
    return [name.strip(" .,") for name in _AUTHOR_SPLIT.split(text) if name.strip(" .,")]


def find_authors(lines: list[str]) -> list[str] | None:
    for line in lines:
        for part in re.split(r"\s+[·|]\s+", line):
            m = _AUTHORS.match(part.strip())
            if m:
                return split_authors(m.group(1)) or None
    return None


def find_summary(entry: LinkedEntry) -> str | None:
    """The first paragraph after the title long enough to be a summary, labels removed."""
    lines = ["" if _META.match(line) or _AUTHORS.match(line) else line for line in entry.lines]
    for paragraph in paragraphs(lines):
        text = _LABEL.sub("", paragraph)
        if len(text) < MIN_SUMMARY_CHARS or _META.match(text) or _AUTHORS.match(text):
            continue
        if entry.title and text.startswith(entry.title):
            continue
        return text
    return None
