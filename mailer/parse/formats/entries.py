"""Papers found by their links, in HTML or plain text: the shared core of `hf-daily` and
`generic`.

Every link to a paper becomes a marker in the digest's visible text. An entry starts at
the first marker of a paper and runs until the marker of the next paper; further links to
the same paper (an image link, a "PDF" link) stay in the entry. The title is the anchor
text (or an image's `alt`); when that is a weak label such as "PDF" or "arXiv", or in plain
text where links have no anchor text, it is the text before the link on its line, else the
line before it.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from mailer.parse.links import NEW_ARXIV_ID, PaperLink, arxiv_abs_url, paper_link
from mailer.parse.text import clean_text, collapse_whitespace, parse_html, tree_lines

_MARKER = re.compile(r"\x00(\d+)\x00")
_TEXT_URL = re.compile(r"<?(https?://[^\s<>\"'\]]+)>?")
_WEAK_TITLES = {
    "pdf",
    "[pdf]",
    "arxiv",
    "paper",
    "link",
    "here",
    "read more",
    "read",
    "abstract",
    "code",
    "hf",
    "hugging face",
    "view",
    "view paper",
    "project page",
    "read the paper",
    "discuss",
    "openreview",
    "doi",
    "html",
}
_SIGNATURE = re.compile(r"^--[ \t]*$", re.MULTILINE)  # "-- " starts the footer
_LIST_PREFIX = re.compile(r"^(?:\d{1,3}[.)]|[-*•·–—▶►#]+|\[\d+\])\s*")
# stripped with str.rstrip: a regex `[...]+$` costs time quadratic in a long run of them
_TRAILING_PUNCT = " \t\r\n\f\v:–—|([<-"


@dataclass
class LinkedEntry:
    key: str
    links: list[PaperLink]
    title: str | None
    lines: list[str] = field(default_factory=list)  # text after the title; "" is a paragraph break


def _tidy_title(text: str) -> str:
    text = _LIST_PREFIX.sub("", collapse_whitespace(text))
    text = _TEXT_URL.sub("", text)
    return text.rstrip(_TRAILING_PUNCT).strip(" *_\"'")


def is_good_title(text: str | None) -> bool:
    if not text:
        return False
    text = text.strip()
    if text.casefold().strip("[]() ") in _WEAK_TITLES or len(text) < 8:
        return False
    if text.startswith(("http://", "https://", "www.")) or "arxiv.org/" in text:
        return False
    if _VISIBLE_ARXIV.match(text):
        return False
    return any(ch.isalpha() for ch in text)


_VISIBLE_ARXIV = re.compile(
    rf"^\s*(?:arXiv:?\s*|https?://arxiv\.org/abs/)({NEW_ARXIV_ID})(?:v\d+)?\s*$", re.I
)


def _visible_arxiv_link(anchor_text: str) -> PaperLink | None:
    """An opaque tracker whose visible text is an arXiv id ("arXiv:2401.04088")."""
    m = _VISIBLE_ARXIV.match(anchor_text)
    if m is None:
        return None
    arxiv_id = m.group(1)
    return PaperLink(arxiv_abs_url(arxiv_id), f"arxiv:{arxiv_id}", "arxiv", arxiv_id)


def _is_fallback_title(text: str) -> bool:
    """Text near a link read as its title: title-like, not a sentence of a summary."""
    return is_good_title(text) and not text.endswith(".") and len(text) <= 300


def _anchor_title(node_text: str, alt: str | None) -> str | None:
    text = clean_text(node_text)
    if is_good_title(text):
        return text
    alt_text = clean_text(alt or "")
    return alt_text if is_good_title(alt_text) else None


def _entries_from_marked_lines(
    lines: list[str], links: list[tuple[PaperLink, str | None]]
) -> list[LinkedEntry]:
    """Entries from lines holding markers \\x00n\\x00 (n indexes `links`)."""
    entries: list[LinkedEntry] = []
    current: LinkedEntry | None = None
    preamble: list[str] = []
    for line in lines:
        pieces = _MARKER.split(line)  # text, index, text, index, ..., text
        lead = pieces[0]
        if len(pieces) == 1:
            (current.lines if current else preamble).append(line)
            continue
        for i in range(1, len(pieces), 2):
            link, anchor_title = links[int(pieces[i])]
            after = pieces[i + 1]
            if current is not None and current.key == link.key:  # image, PDF, "Discuss"
                current.links.append(link)
                current.title = current.title or anchor_title
                rest = collapse_whitespace(lead + " " + after)
                if rest:
                    (current.lines if current else preamble).append(rest)
                lead = ""
                continue
            title = anchor_title
            if not title and _is_fallback_title(_tidy_title(lead)):
                title = _tidy_title(lead)  # "Title [arXiv]"
            elif not title and _is_fallback_title(_tidy_title(after)):
                title, after = _tidy_title(after), ""  # "[PDF] Title"
            if not title:
                previous = current.lines if current else preamble
                while previous and not previous[-1].strip():
                    previous.pop()
                if previous and _is_fallback_title(_tidy_title(previous[-1])):
                    title = _tidy_title(previous.pop())
            current = LinkedEntry(key=link.key, links=[link], title=title)
            entries.append(current)
            if after.strip():
                current.lines.append(collapse_whitespace(after))
            lead = ""
    return entries


def entries_from_html(raw_html: str) -> list[LinkedEntry]:
    tree = parse_html(raw_html)
    links: list[tuple[PaperLink, str | None]] = []
    known: dict[str, PaperLink | None] = {}  # digests repeat each link (image, title, PDF)
    for anchor in tree.css("a[href]"):
        href = anchor.attributes.get("href") or ""
        if href not in known:
            known[href] = paper_link(href)
        link = known[href] or _visible_arxiv_link(anchor.text(deep=True, separator=" "))
        if link is None:
            continue
        image = anchor.css_first("img[alt]")
        alt = image.attributes.get("alt") if image is not None else None
        links.append((link, _anchor_title(anchor.text(deep=True, separator=" "), alt)))
        anchor.replace_with(f" \x00{len(links) - 1}\x00 ")
    if not links:
        return []
    spaced: list[str] = []
    for line in tree_lines(tree):  # each HTML block is its own paragraph
        spaced += [line, ""]
    return _entries_from_marked_lines(spaced, links)


def entries_from_text(text: str) -> list[LinkedEntry]:
    links: list[tuple[PaperLink, str | None]] = []

    def mark_paper_link(m: re.Match[str]) -> str:
        link = paper_link(html.unescape(m.group(1)).rstrip(".,;"))  # "&amp;" in text parts
        if link is None:
            return m.group(0)
        links.append((link, None))
        return f" \x00{len(links) - 1}\x00 "

    text = _SIGNATURE.split(text.replace("\x00", ""), maxsplit=1)[0]
    marked = _TEXT_URL.sub(mark_paper_link, text)
    if not links:
        return []
    lines = [collapse_whitespace(line) for line in marked.split("\n")]
    return _entries_from_marked_lines(lines, links)


def paragraphs(lines: list[str]) -> list[str]:
    """Consecutive non-empty lines joined into paragraphs (plain-text parts are hard-wrapped)."""
    result: list[str] = []
    current: list[str] = []
    for line in [*lines, ""]:
        if line.strip():
            current.append(line.strip())
        elif current:
            result.append(collapse_whitespace(" ".join(current)))
            current = []
    return result


def entries_from_parts(html_part: str, text_part: str) -> list[LinkedEntry]:
    """Entries of the HTML part (it has the link targets), plus those only the text part
    lists when it lists more (a truncated or odd HTML part)."""
    entries = entries_from_html(html_part) if html_part else []
    if text_part:
        from_text = entries_from_text(text_part)
        if len(from_text) > len(entries):
            seen = {e.key for e in entries}
            entries += [e for e in from_text if e.key not in seen]
    return entries
