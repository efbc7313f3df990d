"""The plain-text rendering of the Hugging Face Daily Papers page, as users paste it:
a short header, then for each paper a title line, a blank line, an abstract paragraph.

A paper is a one-line paragraph followed by a paragraph of at least MIN_ABSTRACT_CHARS;
header lines ("Subscribe", "Daily Papers", "Sep 24") are short paragraphs followed by short
ones, so they are skipped. Pages carry no links: the id is a hash of the title.
"""

from __future__ import annotations

import re

from mailer.core.models import Paper
from mailer.parse.papers import build_paper
from mailer.parse.text import collapse_whitespace

MIN_ABSTRACT_CHARS = 100
MAX_TITLE_CHARS = 300
_BLANK_LINES = re.compile(r"\n[ \t\u00a0]*\n")


def page_paragraphs(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [p.strip() for p in _BLANK_LINES.split(text) if p.strip()]


def source_label(paragraphs: list[str], name: str | None) -> str:
    head = " ".join(paragraphs[:8])
    if "Daily Papers" in head:
        return "Hugging Face Daily Papers page"
    return name or "text page"


def parse_text_page(text: str, name: str | None = None) -> list[Paper]:
    paragraphs = page_paragraphs(text)
    source = source_label(paragraphs, name)
    papers: list[Paper] = []
    index = 0
    while index + 1 < len(paragraphs):
        title, body = paragraphs[index], paragraphs[index + 1]
        is_title = "\n" not in title and len(title) <= MAX_TITLE_CHARS
        if is_title and len(body) >= MIN_ABSTRACT_CHARS and len(body) > len(title):
            papers.append(
                build_paper(
                    title=title,
                    format="text-page",
                    abstract=collapse_whitespace(body),
                    source=source,
                )
            )
            index += 2
        else:
            index += 1
    return papers
