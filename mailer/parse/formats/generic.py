"""Any newsletter: papers recognised by their links (arXiv, alphaXiv, Hugging Face papers,
OpenReview, DOI, Semantic Scholar), the anchor text as title, the text after it as summary.
"""

from __future__ import annotations

from mailer.core.models import Paper
from mailer.parse.formats.base import DigestFormat, never
from mailer.parse.formats.details import find_authors, find_summary, find_upvotes
from mailer.parse.formats.entries import LinkedEntry, entries_from_parts
from mailer.parse.message import Envelope
from mailer.parse.papers import build_paper

_PRIMARY_SITES = ("arxiv", "alphaxiv", "hf", "openreview", "doi", "semanticscholar")


def source_label(envelope: Envelope) -> str | None:
    if envelope.subject:
        return envelope.subject
    return envelope.sender


def entry_to_paper(entry: LinkedEntry, envelope: Envelope, *, primary_site: str | None) -> Paper:
    """A paper from a linked entry; `primary_site` picks which link is `url` when present."""
    links = entry.links
    # the first link of the lowest rank, as sorted() would put first (min keeps the first)
    primary = (
        links[0]
        if len(links) == 1
        else min(
            links,
            key=lambda link: (
                link.site != primary_site,
                link.is_pdf,
                _PRIMARY_SITES.index(link.site),
            ),
        )
    )
    pdf = next((link.url for link in links if link.is_pdf), None)
    arxiv_id = next((link.arxiv_id for link in links if link.arxiv_id), None)
    title = entry.title or (f"arXiv {arxiv_id}" if arxiv_id else primary.url)
    return build_paper(
        title=title,
        format="hf-daily" if primary_site == "hf" else "generic",
        abstract=find_summary(entry),
        authors=find_authors(entry.lines),
        arxiv_id=arxiv_id,
        url=primary.url,
        pdf_url=pdf,
        upvotes=find_upvotes(entry.lines),
        source=source_label(envelope) if primary_site != "hf" else "Hugging Face Daily Papers",
    )


def parse_generic(envelope: Envelope) -> list[Paper]:
    entries = entries_from_parts(envelope.html, envelope.text)
    return [entry_to_paper(e, envelope, primary_site=None) for e in entries]


FORMAT = DigestFormat(
    name="generic", is_known_sender=never, looks_like=lambda _: True, parse=parse_generic
)
