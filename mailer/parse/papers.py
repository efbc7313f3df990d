"""Building `Paper` values: canonical id, sizes from title and abstract, dedupe by id.

Text from a newsletter is capped here (title, abstract, author list, upvotes), so a hostile
or broken email cannot make one paper megabytes long or slow every later step (size
extraction, matching, storage, rendering). The caps are far above real papers: arXiv
limits abstracts to 1,920 characters.
"""

from __future__ import annotations

import re
from dataclasses import fields, replace
from datetime import date
from functools import lru_cache

from mailer.core.models import Announce, ModelSize, Paper, PaperFormat, canonical_paper_id
from mailer.parse.links import arxiv_pdf_url, bare_arxiv_id
from mailer.parse.size_words import SCALE_WORDS
from mailer.parse.sizes import extract_sizes
from mailer.parse.text import clean_text

MAX_TITLE_CHARS = 1_000
MAX_ABSTRACT_CHARS = 10_000
MAX_AUTHORS = 1_000
MAX_AUTHOR_CHARS = 200
MAX_SOURCE_CHARS = 200  # the digest's label, often its subject line
MAX_UPVOTES = 10**9  # more is not a count a digest shows, and would not fit a 64-bit column


def _capped(text: str, limit: int) -> str:
    """`text`, or its first `limit` characters cut back to a word boundary plus "…"."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip() + "…"


def model_sizes(title: str, abstract: str | None) -> tuple[ModelSize, ...]:
    """The sizes the title and the abstract mention, each read on its own.

    Read as one text, a title's last words would run into the abstract's first (titles
    end without a full stop): "Pruning Mistral 7B" + "Tokens are costly..." reads
    "7B Tokens", a token count, and the model size is lost.
    """
    found = {size.params: size for text in (title, abstract) if text for size in _sizes_in(text)}
    return tuple(found[params] for params in sorted(found))


# Texts repeat within a digest (a hostile one can give thousands of papers one 10,000-
# character snippet): each distinct text is cleaned and read once.
@lru_cache(maxsize=1024)
def _sizes_in(text: str) -> tuple[ModelSize, ...]:
    return tuple(extract_sizes(text)) if may_hold_size(text) else ()


_DIGIT = re.compile(r"[0-9]")


def may_hold_size(text: str) -> bool:
    """Whether `text` can mention a size at all: every size `extract_sizes` reads has an
    ASCII digit or a scale word ("billion"). For ASCII text the scale word is a plain
    substring test; other text is always read (case-insensitive matching has Unicode
    folds a lower-case substring test would miss). Most titles ("Mixtral of Experts")
    skip the extractor this way."""
    if not text.isascii() or _DIGIT.search(text):
        return True
    lower = text.lower()
    return any(word in lower for word in SCALE_WORDS)


@lru_cache(maxsize=1024)
def _clean_capped(text: str, limit: int) -> str:
    return _capped(clean_text(text), limit)


def build_paper(
    *,
    title: str,
    format: PaperFormat,
    abstract: str | None = None,
    authors: list[str] | tuple[str, ...] | None = None,
    arxiv_id: str | None = None,
    url: str | None = None,
    pdf_url: str | None = None,
    upvotes: int | None = None,
    published: date | None = None,
    announce: Announce | None = None,
    source: str | None = None,
) -> Paper:
    """A Paper with clean text, a canonical id and the model sizes its text mentions."""
    arxiv_id = bare_arxiv_id(arxiv_id) if arxiv_id else None
    title = clean_text(title) or (f"arXiv {arxiv_id}" if arxiv_id else url) or "(untitled)"
    title = _capped(title, MAX_TITLE_CHARS)
    abstract = _clean_capped(abstract, MAX_ABSTRACT_CHARS) if abstract else None
    clean_authors = None
    if authors:
        names = (clean_text(name) for name in list(authors)[:MAX_AUTHORS])
        clean_authors = tuple(_capped(name, MAX_AUTHOR_CHARS) for name in names if name)
    if upvotes is not None and not 0 <= upvotes <= MAX_UPVOTES:
        upvotes = None
    if pdf_url is None and arxiv_id:
        pdf_url = arxiv_pdf_url(arxiv_id)
    return Paper(
        id=canonical_paper_id(arxiv_id, title),
        title=title,
        format=format,
        abstract=abstract or None,
        authors=clean_authors or None,
        arxiv_id=arxiv_id,
        url=url,
        pdf_url=pdf_url,
        upvotes=upvotes,
        published=published,
        announce=announce,
        sizes=model_sizes(title, abstract),
        source=_capped(clean_text(source), MAX_SOURCE_CHARS) if source else None,
    )


def has_stand_in_title(paper: Paper) -> bool:
    """The title is a stand-in (`arXiv <id>`, the URL), not one the digest showed."""
    return paper.title in (f"arXiv {paper.arxiv_id}", paper.url, "(untitled)")


def _fill_missing_fields(first: Paper, later: Paper) -> Paper:
    """`first` with the fields it lacks filled from a later listing of the same paper; a
    stand-in title gives way to a real one shown later ("this paper" first, the title
    further down)."""
    missing = {
        f.name: getattr(later, f.name)
        for f in fields(first)
        if getattr(first, f.name) in (None, ()) and getattr(later, f.name) not in (None, ())
    }
    if has_stand_in_title(first) and not has_stand_in_title(later):
        missing["title"] = later.title
    if "abstract" in missing or "title" in missing:  # sizes follow the title and abstract
        missing["sizes"] = model_sizes(
            missing.get("title", first.title), missing.get("abstract", first.abstract)
        )
    return replace(first, **missing) if missing else first


def dedupe_papers(papers: list[Paper]) -> tuple[Paper, ...]:
    """One paper is one paper: the first listing wins, later ones only fill its gaps."""
    by_id: dict[str, Paper] = {}
    for paper in papers:
        by_id[paper.id] = (
            _fill_missing_fields(by_id[paper.id], paper) if paper.id in by_id else paper
        )
    return tuple(by_id.values())
