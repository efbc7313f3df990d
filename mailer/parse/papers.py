"""Building `Paper` values: canonical id, sizes from title and abstract, dedupe by id."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import date

from mailer.models import Announce, Paper, PaperFormat, canonical_paper_id
from mailer.parse.links import arxiv_pdf_url, bare_arxiv_id
from mailer.parse.sizes import extract_sizes
from mailer.parse.text import clean_text


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
    abstract = clean_text(abstract) if abstract else None
    clean_authors = tuple(a for a in (clean_text(x) for x in authors) if a) if authors else None
    if pdf_url is None and arxiv_id:
        pdf_url = arxiv_pdf_url(arxiv_id)
    sizes = tuple(sorted(set(extract_sizes(title + "\n" + (abstract or "")))))
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
        sizes=sizes,
        source=source,
    )


def _merge(first: Paper, later: Paper) -> Paper:
    """`first` with the fields it lacks filled from a later listing of the same paper."""
    missing = {
        f.name: getattr(later, f.name)
        for f in fields(first)
        if getattr(first, f.name) in (None, ()) and getattr(later, f.name) not in (None, ())
    }
    if "abstract" in missing:  # sizes follow the abstract
        missing["sizes"] = tuple(
            sorted(set(extract_sizes(first.title + "\n" + missing["abstract"])))
        )
    return replace(first, **missing) if missing else first


def dedupe_papers(papers: list[Paper]) -> tuple[Paper, ...]:
    """One paper is one paper: the first listing wins, later ones only fill its gaps."""
    by_id: dict[str, Paper] = {}
    for paper in papers:
        by_id[paper.id] = _merge(by_id[paper.id], paper) if paper.id in by_id else paper
    return tuple(by_id.values())
