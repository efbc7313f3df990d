"""Reading the text around a paper link: upvotes, authors, summary."""

from __future__ import annotations

import re
from functools import lru_cache

from mailer.parse.formats.marked import LinkedEntry, paragraphs
from mailer.parse.text import collapse_whitespace

_UPVOTES = re.compile(
    r"(?:[▲⬆↑👍🔥]\ufe0f?\s*(\d[\d,]*)\b)|(?:\b(\d[\d,]*)\s*upvotes?\b)|(?:\bupvotes?\s*[:：]\s*(\d[\d,]*))",
    re.IGNORECASE,
)
_AUTHORS = re.compile(r"^(?P<label>authors?|by)\s*[:\-–]?\s+(?P<names>.+)$", re.IGNORECASE)
# "By" also starts sentences ("By routing each token..."): after a bare "By" every name
# must look like one: a few words, each capitalised (or caseless, as in 张伟) or a particle.
_NAME_PARTICLES = frozenset(
    {"van", "von", "der", "den", "de", "da", "di", "du", "del", "della", "le", "la", "y"}
    | {"bin", "al", "el", "ter", "ten", "dos", "das", "zu"}
)
_MAX_NAME_WORDS = 5
_LABEL = re.compile(
    r"^(?:summary|abstract|ai summary|ai-generated summary|tl;?dr|snippet|why it matters)"
    r"\s*[:\-–]\s*",
    re.IGNORECASE,
)
_LABEL_AFTER_SEPARATOR = re.compile(r"[·|]\s*(?:author|by)")
_AUTHOR_PARTS = re.compile(r"\s+[·|]\s+")
_AUTHOR_SPLIT = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+|\s*;\s*")
_ET_AL = re.compile(r"\s*(?:,\s*)?(?:et al\.?.*|…|\.\.\.)$")
_META = re.compile(
    r"^(?:[▲⬆↑👍🔥]|\d[\d,]*\s*(?:upvotes?|votes?|comments?)\b|upvotes?\s*[:：]|published|submitted)",
    re.IGNORECASE,
)
MAX_META_CHARS = 120  # upvotes are read from short metadata lines, never from a summary

MIN_SUMMARY_CHARS = 60
# a shorter paragraph is a summary when it reads as one sentence: a one-line blurb ("We
# fine-tune LLaMA-65B with QLoRA on a single GPU.") carries the terms and sizes rules need
MIN_SENTENCE_CHARS = 24
MIN_SENTENCE_WORDS = 5


def find_upvotes(lines: list[str]) -> int | None:
    for line in lines:
        m = _UPVOTES.search(line) if line and len(line) <= MAX_META_CHARS else None
        if m:
            return int((m.group(1) or m.group(2) or m.group(3)).replace(",", ""))
    return None


def split_authors(text: str) -> list[str]:
    """`A, B, and C et al.` -> [A, B, C]."""
    text = collapse_whitespace(text)
    if "et al" in text or "…" in text or "..." in text:
        text = _ET_AL.sub("", text)
    return [name.strip(" .,") for name in _AUTHOR_SPLIT.split(text) if name.strip(" .,")]


def _is_name_word(word: str) -> bool:
    first = word[0]
    return (first.isalpha() and not first.islower()) or word in _NAME_PARTICLES


def _looks_like_name(name: str) -> bool:
    words = name.split()
    if not 1 <= len(words) <= _MAX_NAME_WORDS or not _is_name_word(words[0]):
        return False
    return all(_is_name_word(word) for word in words)


def authors_in(line: str) -> list[str] | None:
    """The names an "Authors: ..." or "By ..." line (or a `·`-separated part of it) gives."""
    if not line:
        return None
    names = _cached_authors_in(line) if len(line) <= _MAX_CACHED_CHARS else _authors_in(line)
    return list(names) if names is not None else None


# A line is asked about up to four times (summary, authors, metadata, title tests): each
# distinct line is read once per parse. Only lines of a real paragraph's length are kept,
# so a hostile email's huge lines are not held after its parse.
_MAX_CACHED_CHARS = 2_000


def _authors_in(line: str) -> tuple[str, ...] | None:
    # the label starts the line or a `·`/`|` part of it: str tests before the real reading
    lower = line.lower()
    if not lower.lstrip().startswith(("author", "by")) and not (
        ("·" in lower or "|" in lower) and _LABEL_AFTER_SEPARATOR.search(lower)
    ):
        return None
    for part in _AUTHOR_PARTS.split(line):
        m = _AUTHORS.match(part.strip())
        if not m:
            continue
        names = split_authors(m["names"])
        if m["label"].lower() == "by" and not all(_looks_like_name(n) for n in names):
            continue  # a sentence: "By routing each token to two experts, ..."
        if names:
            return tuple(names)
    return None


_cached_authors_in = lru_cache(maxsize=4096)(_authors_in)


def is_meta_line(line: str) -> bool:
    """An upvote, date or author line: what sits between a title and its link."""
    return bool(_META.match(line)) or authors_in(line) is not None


def find_authors(lines: list[str]) -> list[str] | None:
    for line in lines:
        names = authors_in(line)
        if names:
            return names
    return None


_LIST_SEPARATORS = re.compile(r"\s*[,，、;；]\s*")
_SENTENCE_END = re.compile(r"[.。!！?？]")


def is_keyword_list(text: str) -> bool:
    """ "Keywords: RAG, knowledge conflict, activation steering": a list, not a summary."""
    label, colon, body = text.replace("：", ":").partition(":")
    if not colon or not 0 < len(label.split()) <= 3:  # "Keywords:", "关键词:"
        return False
    items = _LIST_SEPARATORS.split(body.strip())
    return (
        len(items) >= 3
        and all(0 < len(item.split()) <= 4 for item in items)
        and not _SENTENCE_END.search(body.rstrip(".。 "))
    )


def find_summary(entry: LinkedEntry) -> str | None:
    """The first paragraph after the title long enough to be a summary, labels removed;
    only when there is none, a short one written as a sentence (a one-line blurb), so a
    note such as "Accepted at NeurIPS 2024 as a spotlight." never hides the abstract."""
    lines = [
        "" if not line or _META.match(line) or authors_in(line) else line for line in entry.lines
    ]
    short: str | None = None
    for paragraph in paragraphs(lines):
        text = _LABEL.sub("", paragraph.lstrip("-*+•· "))
        is_long = len(text) >= MIN_SUMMARY_CHARS
        if not is_long and (short is not None or not _is_sentence(text)):
            continue
        if _META.match(text) or authors_in(text):
            continue
        if is_keyword_list(text):
            continue
        if entry.title and text.startswith(entry.title):
            continue
        if is_long:
            return text
        short = text
    return short


def _is_sentence(text: str) -> bool:
    """A short paragraph written as a sentence: a capital, five words, a full stop."""
    return (
        len(text) >= MIN_SENTENCE_CHARS
        and text[0].isupper()
        and text[-1] in ".!?"
        and len(text.split()) >= MIN_SENTENCE_WORDS
    )
