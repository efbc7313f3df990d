"""What a message says about a batch, before it is shaped for Slack, email or a terminal.

`build_view` turns an `AlertBatch` into `PaperView`s holding clean one-line text (not
yet escaped for any format: each renderer escapes for its own) and only safe http(s)
links. The renderers differ in layout, never in which facts they show.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache

from mailer.core.models import AlertBatch, AlertItem, Paper, format_params
from mailer.notify.sanitize import cut_at_word, printable_line, safe_url

MAX_AUTHORS = 3
TITLE_CHARS = 300


ANNOUNCE_LABELS = {"cross": "cross-list", "replaced": "replacement"}


@dataclass(frozen=True, slots=True)
class Link:
    label: str  # our own words: "arXiv", "PDF", "Hugging Face"
    url: str  # passed safe_url


@dataclass(frozen=True, slots=True)
class PaperView:
    title: str
    url: str | None
    authors: str  # "A. Smith, B. Jones, C. Lee et al." or ""
    summary: str  # the abstract cut at a word boundary, or ""
    sizes: str  # "7B, 70B" or ""
    upvotes: int | None
    source: str
    reasons: str  # Match.explain(): "*LoRA* in abstract · 7B ≤ 8B"
    links: tuple[Link, ...]
    # the newsletter's own words once the abstract is arXiv's: ("AINews", "a tiny model…")
    blurb: tuple[str, str] | None = None
    announce: str = ""  # "cross-list" or "replacement" for arXiv's; new papers say nothing

    @property
    def facts(self) -> list[str]:
        """The short facts line: size, upvotes, source, and "cross-list" or "replacement"
        for arXiv papers that are not new (in that order; empty ones left out)."""
        facts = []
        if self.sizes:
            facts.append(self.sizes)
        if self.upvotes is not None:
            facts.append(f"▲ {self.upvotes} upvote{'' if self.upvotes == 1 else 's'}")
        if self.source:
            facts.append(self.source)
        if self.announce:
            facts.append(self.announce)
        return facts


def batch_day(batch: AlertBatch) -> date:
    """The day a batch is about: a daily feed's day, else the day it was created."""
    return batch.batch_key.day or batch.created.date()


def day_label(day: date) -> str:
    """'Tue 14 Oct', the same in every locale."""
    weekday = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[day.weekday()]
    month = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")[
        day.month - 1
    ]
    return f"{weekday} {day.day} {month}"


def headline(batch: AlertBatch) -> str:
    """'Paper alerts · small-llms · 4 new (Tue 14 Oct)': the email subject and Slack header."""
    rule = printable_line(batch.rule) or "alerts"
    return f"Paper alerts · {rule} · {len(batch.items)} new ({day_label(batch_day(batch))})"


def count_line(batch: AlertBatch) -> str:
    """'4 new papers · Tue 14 Oct': the big line under the rule's name in an email."""
    count = len(batch.items)
    return f"{count} new paper{'' if count == 1 else 's'} · {day_label(batch_day(batch))}"


def _authors(paper: Paper) -> str:
    names = [printable_line(a) for a in paper.authors or () if printable_line(a)]
    if not names:
        return ""
    shown = ", ".join(names[:MAX_AUTHORS])
    return cut_at_word(shown + (" et al." if len(names) > MAX_AUTHORS else ""), 200)


_NEW_STYLE_ARXIV_ID = re.compile(r"\d{4}\.\d{4,5}")


def _links(paper: Paper) -> tuple[Link, ...]:
    pdf = paper.pdf_url or (f"https://arxiv.org/pdf/{paper.arxiv_id}" if paper.arxiv_id else None)
    # Hugging Face has pages only for new-style ids: hep-th/9901001 would be a dead link
    has_hf_page = bool(paper.arxiv_id and _NEW_STYLE_ARXIV_ID.fullmatch(paper.arxiv_id))
    hf = paper.hf_url if has_hf_page else None
    candidates = (("arXiv", paper.arxiv_url), ("PDF", pdf), ("Hugging Face", hf))
    links = []
    for label, url in candidates:
        safe = safe_url(url)
        if safe:
            links.append(Link(label, safe))
    return tuple(links)


def paper_view(item: AlertItem, *, summary_chars: int) -> PaperView:
    shared, abstract, said, who = _shared_view(item)
    blurb = cut_at_word(said, summary_chars)
    return replace(
        shared,
        summary=cut_at_word(abstract, summary_chars),
        blurb=(who, blurb) if blurb else None,
    )


def _shared_view(item: AlertItem) -> tuple[PaperView, str, str, str]:
    """What a paper's view holds whatever the length of its summary, with the clean
    abstract, the newsletter's clean words and who said them: the Slack payload and the
    email of one batch (the file destination writes both) ask for the same papers."""
    try:
        return _cached_shared_view(item)
    except TypeError:  # a value that cannot be hashed (not one the store gives)
        return _cached_shared_view.__wrapped__(item)


@lru_cache(maxsize=1024)
def _cached_shared_view(item: AlertItem) -> tuple[PaperView, str, str, str]:
    paper = item.paper
    links = _links(paper)
    url = safe_url(paper.url) or (links[0].url if links else None)
    view = PaperView(
        title=cut_at_word(printable_line(paper.title) or "(untitled)", TITLE_CHARS),
        url=url,
        authors=_authors(paper),
        summary="",
        sizes=", ".join(format_params(p) for p in paper.size_params),
        upvotes=paper.upvotes,
        source=cut_at_word(printable_line(paper.source), 80),
        reasons=cut_at_word(printable_line(item.match.explain()), 300),
        links=links,
        announce=ANNOUNCE_LABELS.get(paper.announce or "new", ""),
    )
    who = cut_at_word(printable_line(paper.source), 60) or "The newsletter"
    return view, printable_line(paper.abstract), printable_line(paper.summary), who


def build_view(batch: AlertBatch, *, summary_chars: int = 280) -> list[PaperView]:
    return [paper_view(item, summary_chars=summary_chars) for item in batch.items]
