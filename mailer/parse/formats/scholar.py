"""Google Scholar alerts (HTML only).

Each paper: an `<h3>` with an optional `[PDF]` span and `a.gse_alrt_title` whose href is a
`scholar_url?url=TARGET` redirect; then a byline div (`Z Chen, S Kommrusch - arXiv preprint
arXiv:1912.02015, 2019`, often cut with `…`); then `div.gse_alrt_sni` with a snippet.
Subjects are localised, so the sender is the key.
"""

from __future__ import annotations

import re

from mailer.models import Paper
from mailer.parse.formats.base import DigestFormat
from mailer.parse.formats.details import split_authors
from mailer.parse.links import ARXIV_ID, arxiv_pdf_url, is_web_url, paper_link, unwrap_url
from mailer.parse.message import Envelope
from mailer.parse.papers import build_paper
from mailer.parse.text import clean_text, collapse_whitespace, parse_html

SENDER = "scholaralerts-noreply@google.com"
_BYLINE_ARXIV = re.compile(rf"\barXiv:({ARXIV_ID})")
_BYLINE_SPLIT = re.compile(r"\s[-–]\s")


def is_known_sender(envelope: Envelope) -> bool:
    return (envelope.sender_address or "") == SENDER


def looks_like(envelope: Envelope) -> bool:
    return "gse_alrt_title" in envelope.html


def _authors(byline: str) -> list[str] | None:
    names = _BYLINE_SPLIT.split(byline, maxsplit=1)[0]
    authors = [a for a in split_authors(names) if a != "…"]
    return authors or None


def parse_scholar(envelope: Envelope) -> list[Paper]:
    source = f"Google Scholar: {envelope.subject}" if envelope.subject else "Google Scholar"
    tree = parse_html(envelope.html)
    papers: list[Paper] = []
    for anchor in tree.css("a.gse_alrt_title"):
        title = clean_text(anchor.text(deep=True, separator=""))
        if not title:
            continue
        url = unwrap_url(anchor.attributes.get("href") or "")
        if not is_web_url(url):
            url = ""  # `javascript:` and the like are not links to keep
        heading = anchor.parent
        while heading is not None and heading.tag not in ("h3", "h2", "h4", "div", "td"):
            heading = heading.parent  # the title link may sit inside <b> or <span>
        is_pdf = heading is not None and "[PDF]" in heading.text(deep=True)
        byline_node = heading.next if heading is not None else None
        while byline_node is not None and byline_node.tag == "-text":
            byline_node = byline_node.next
        byline = clean_text(byline_node.text(deep=True)) if byline_node is not None else ""
        snippet_node = byline_node.next if byline_node is not None else None
        while snippet_node is not None and snippet_node.tag == "-text":
            snippet_node = snippet_node.next
        snippet = None
        if snippet_node is not None and "gse_alrt_sni" in (
            snippet_node.attributes.get("class") or ""
        ):
            snippet = collapse_whitespace(clean_text(snippet_node.text(deep=True, separator=" ")))
        link = paper_link(url)
        arxiv_id = link.arxiv_id if link else None
        if arxiv_id is None:
            m = _BYLINE_ARXIV.search(byline)
            arxiv_id = m.group(1) if m else None
        if (link is not None and link.is_pdf) or url.lower().endswith(".pdf"):
            pdf_url: str | None = url
        elif arxiv_id:
            pdf_url = arxiv_pdf_url(arxiv_id)
        else:
            pdf_url = (url or None) if is_pdf else None
        papers.append(
            build_paper(
                title=title,
                format="scholar-alert",
                abstract=snippet,
                authors=_authors(byline) if byline else None,
                arxiv_id=arxiv_id,
                url=url or None,
                pdf_url=pdf_url,
                source=source,
            )
        )
    return papers


FORMAT = DigestFormat(
    name="scholar-alert",
    is_known_sender=is_known_sender,
    looks_like=looks_like,
    parse=parse_scholar,
)
