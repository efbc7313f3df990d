"""Canonical records from arXiv and Hugging Face, and how they fill a paper. Pure.

The email tells us WHICH papers a digest lists (its links and arXiv ids are stable);
arXiv and Hugging Face tell us WHAT they are. `clean_record` turns what an API answered
into a `CanonicalRecord` (or rejects it with a reason): everything from outside is
untrusted, so markup is stripped, TeX accents decoded, lengths capped and the id checked
against the one asked for. `merge_canonical` then gives a paper the canonical title,
authors and abstract:

- title: the canonical one whenever there is one. A newsletter's title is at best a copy
  of it; more often it is cut, decorated ("Paper page - ...") or a call-to-action.
- authors: the canonical list when it has names (digests leave them out or cut them).
- abstract: the canonical abstract. The newsletter's own text moves to `summary`
  ("AINews says: ...") unless it is just the abstract again, whole or cut.
- upvotes: Hugging Face's count (it is the fresher one); published date and PDF link
  are filled when the email had none.
- sizes: read again from the enriched title and abstract, so rules on sizes see what the
  paper says about its own models; the email's sizes stay when the new text names none.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from mailer.core.models import ModelSize, Paper, normalize_title

Origin = Literal["arxiv", "huggingface"]

MAX_TITLE_CHARS = 1_000
MAX_ABSTRACT_CHARS = 10_000  # arXiv itself allows 1,920
MAX_AUTHORS = 1_000
MAX_AUTHOR_CHARS = 200
MAX_UPVOTES = 10**9

# new-style 2401.02385 (optionally v2) and old-style hep-th/9901001
_ARXIV_ID = re.compile(r"(?:\d{4}\.\d{4,5}|[a-z][a-z.-]{1,30}/\d{7})", re.IGNORECASE)
_VERSION = re.compile(r"v\d+$")
_MARKUP = re.compile(r"<[A-Za-z/!][^>]{0,500}>|&[#A-Za-z0-9]{1,10};")
_ID_PREFIX = re.compile(r"^(?:https?://(?:export\.)?arxiv\.org/abs/|arxiv:)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class CanonicalRecord:
    """What arXiv or Hugging Face says about one paper, already cleaned."""

    arxiv_id: str  # without version
    origin: Origin
    title: str | None = None
    abstract: str | None = None
    authors: tuple[str, ...] | None = None
    upvotes: int | None = None
    published: date | None = None
    pdf_url: str | None = None


@dataclass(frozen=True, slots=True)
class Cleaned:
    """`clean_record`'s answer: the record (None when rejected) and what was done to it."""

    record: CanonicalRecord | None
    notes: tuple[str, ...] = ()


def bare_id(value: str) -> str | None:
    """`2401.02385` for `2401.02385v2`, `http://arxiv.org/abs/2401.02385v2`, `arXiv:...`;
    None when the text is not an arXiv id at all."""
    text = _ID_PREFIX.sub("", value.strip())
    text = _VERSION.sub("", text)
    return text if _ARXIV_ID.fullmatch(text) else None


def _clean_field(value: object, limit: int, what: str, notes: list[str]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        notes.append(f"{what} is not text ({type(value).__name__}): ignored")
        return None
    # imported here: the store imports this module for CanonicalRecord, and the parser
    # package is not needed by commands that only read the store
    from mailer.parse.text import clean_text, decode_tex_accents

    text = clean_text(decode_tex_accents(value))
    if _MARKUP.search(value):
        notes.append(f"markup removed from the {what}")
    if len(text) > limit:
        notes.append(f"{what} of {len(text):,} characters cut to {limit:,}")
        cut = text[: limit - 1]
        space = cut.rfind(" ")
        text = (cut[:space] if space > limit // 2 else cut).rstrip() + "…"
    return text or None


def _clean_authors(value: object, notes: list[str]) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list | tuple):
        notes.append("authors are not a list: ignored")
        return None
    if len(value) > MAX_AUTHORS:
        notes.append(f"{len(value):,} authors cut to {MAX_AUTHORS:,}")
    names = []
    for name in value[:MAX_AUTHORS]:
        text = _clean_field(name, MAX_AUTHOR_CHARS, "author name", notes)
        if text:
            names.append(text)
    return tuple(names) or None


def _clean_upvotes(value: object, notes: list[str]) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_UPVOTES:
        notes.append(f"upvotes {str(value)[:40]!r} is not a count: ignored")
        return None
    return value


def clean_record(
    origin: Origin,
    asked_for: str,
    *,
    answered_id: object,
    title: object = None,
    abstract: object = None,
    authors: object = None,
    upvotes: object = None,
    published: date | None = None,
    pdf_url: str | None = None,
) -> Cleaned:
    """A `CanonicalRecord` from an API's answer for `asked_for`, or a rejection.

    Rejected: an answer for another id than the one asked for, or one with neither a
    title nor an abstract. Cleaned (with a note each): markup in text, over-long text,
    authors that are not names, upvotes that are not a count.
    """
    got = bare_id(answered_id) if isinstance(answered_id, str) else None
    if got is None or got.casefold() != asked_for.casefold():
        shown = str(answered_id)[:60]
        return Cleaned(None, (f"answered for id {shown!r}, not {asked_for}: rejected",))
    notes: list[str] = []
    record = CanonicalRecord(
        arxiv_id=asked_for,
        origin=origin,
        title=_clean_field(title, MAX_TITLE_CHARS, "title", notes),
        abstract=_clean_field(abstract, MAX_ABSTRACT_CHARS, "abstract", notes),
        authors=_clean_authors(authors, notes),
        upvotes=_clean_upvotes(upvotes, notes),
        published=published,
        pdf_url=pdf_url if pdf_url and pdf_url.startswith("https://arxiv.org/") else None,
    )
    if record.title is None and record.abstract is None:
        return Cleaned(None, (*notes, "no title and no abstract: rejected"))
    return Cleaned(record, tuple(notes))


def _is_same_text(blurb: str, abstract: str) -> bool:
    """The newsletter's text is the abstract again (whole, or cut with an ellipsis)."""
    short = normalize_title(blurb)
    full = normalize_title(abstract)
    return bool(short) and (full.startswith(short) or short.startswith(full))


SizeReader = Callable[[str, str | None], tuple[ModelSize, ...]]


def merge_canonical(
    paper: Paper,
    records: Sequence[CanonicalRecord],
    *,
    read_sizes: SizeReader | None = None,
) -> Paper:
    """The paper with its canonical title, authors and abstract (see the module docstring).

    `records` are the cleaned records for this paper's arXiv id, arXiv's first; a
    paper without records is returned as it is. `read_sizes` defaults to the parser's
    `model_sizes`.
    """
    records = [r for r in records if paper.arxiv_id and r.arxiv_id == bare_id(paper.arxiv_id)]
    if not records:
        return paper

    def first(name: str) -> object:
        return next((getattr(r, name) for r in records if getattr(r, name)), None)

    title = first("title")
    authors = first("authors")
    abstract = first("abstract")
    hf_upvotes = next((r.upvotes for r in records if r.upvotes is not None), None)
    summary = paper.summary
    if abstract and paper.abstract and summary is None:
        summary = None if _is_same_text(paper.abstract, str(abstract)) else paper.abstract
    new_title = str(title) if title else paper.title
    new_abstract = str(abstract) if abstract else paper.abstract
    if read_sizes is None:
        from mailer.parse.papers import model_sizes

        read_sizes = model_sizes
    sizes = read_sizes(new_title, new_abstract) or paper.sizes
    return replace(
        paper,
        title=new_title,
        authors=authors if isinstance(authors, tuple) else paper.authors,
        abstract=new_abstract,
        summary=summary,
        upvotes=hf_upvotes if hf_upvotes is not None else paper.upvotes,
        published=paper.published or next((r.published for r in records if r.published), None),
        pdf_url=paper.pdf_url or next((r.pdf_url for r in records if r.pdf_url), None),
        sizes=sizes,
        enriched=tuple(dict.fromkeys((*paper.enriched, *(r.origin for r in records)))),
    )
