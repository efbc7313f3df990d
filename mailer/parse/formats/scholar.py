"""Google Scholar alerts (HTML only).

Each paper: an `<h3>` with an optional `[PDF]` span and `a.gse_alrt_title` whose href is a
`scholar_url?url=TARGET` redirect; then a byline div (`Z Chen, S Kommrusch - arXiv preprint
arXiv:1912.02015, 2019`, often cut with `…`); then `div.gse_alrt_sni` with a snippet.
Subjects are localised, so the sender is the key.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar, cast

from selectolax.lexbor import LexborNode as Node

from mailer.core.models import Paper
from mailer.parse.formats.base import DigestFormat
from mailer.parse.formats.details import split_authors
from mailer.parse.links import ARXIV_ID, arxiv_pdf_url, is_web_url, paper_link, unwrap_url
from mailer.parse.message import Envelope
from mailer.parse.papers import MAX_ABSTRACT_CHARS, build_paper
from mailer.parse.text import clean_text, collapse_whitespace, parse_html

SENDER = "scholaralerts-noreply@google.com"
_BYLINE_ARXIV = re.compile(rf"\barXiv:({ARXIV_ID})")
_BYLINE_SPLIT = re.compile(r"\s[-–]\s")


def is_known_sender(envelope: Envelope) -> bool:
    return (envelope.sender_address or "") == SENDER


def looks_like(envelope: Envelope) -> bool:
    return "gse_alrt_title" in envelope.html


@lru_cache(maxsize=256)  # every title link of a hostile alert may share one byline
def _authors(byline: str) -> tuple[str, ...] | None:
    names = _BYLINE_SPLIT.split(byline, maxsplit=1)[0]
    authors = tuple(a for a in split_authors(names) if a != "…")
    return authors or None


_T = TypeVar("_T")
_HEADING_TAGS = ("h3", "h2", "h4", "div", "td")
_MAX_HEADING_HOPS = 4
_MAX_BYLINE = 1000  # "Z Chen, S Kommrusch - arXiv preprint arXiv:1912.02015, 2019" is short  # the title link may sit inside <b> or <span>, not deeper


def _heading_of(anchor: Node) -> Node | None:
    """The block holding the title link (an <h3> in real alerts), a few levels up at most."""
    node = anchor.parent
    for _ in range(_MAX_HEADING_HOPS):
        if node is None or node.tag in _HEADING_TAGS:
            return node
        node = node.parent
    return None


def _next_element(node: Node | None) -> Node | None:
    node = node.next if node is not None else None
    while node is not None and node.tag == "-text":
        node = node.next
    return node


class _NodeFacts:
    """What is read from a node, computed once per node: in a hostile alert every title
    link can share one huge heading, and reading it again for each link is quadratic."""

    def __init__(self) -> None:
        self._seen: dict[tuple[int, str], object] = {}

    def _once(self, node: Node, what: str, compute: Callable[[], _T]) -> _T:
        key = (node.mem_id, what)
        if key not in self._seen:
            self._seen[key] = compute()
        return cast(_T, self._seen[key])

    def has_pdf_label(self, node: Node) -> bool:
        return self._once(node, "pdf", lambda: "[PDF]" in node.text(deep=True))

    def byline(self, node: Node) -> str:
        return self._once(node, "byline", lambda: clean_text(node.text(deep=True))[:_MAX_BYLINE])

    def snippet(self, node: Node) -> str:
        """Text with a space between elements (snippets wrap matched words in <b>)."""
        return self._once(
            node,
            "snippet",
            lambda: collapse_whitespace(clean_text(node.text(deep=True, separator=" ")))[
                :MAX_ABSTRACT_CHARS
            ],
        )


def parse_scholar(envelope: Envelope) -> list[Paper]:
    source = f"Google Scholar: {envelope.subject}" if envelope.subject else "Google Scholar"
    tree = parse_html(envelope.html)
    facts = _NodeFacts()
    papers: list[Paper] = []
    for anchor in tree.css("a.gse_alrt_title"):
        title = clean_text(anchor.text(deep=True, separator=""))
        if not title:
            continue
        url = unwrap_url(anchor.attributes.get("href") or "")
        if not is_web_url(url):
            url = ""  # `javascript:` and the like are not links to keep
        heading = _heading_of(anchor)
        is_pdf = heading is not None and facts.has_pdf_label(heading)
        byline_node = _next_element(heading)
        byline = facts.byline(byline_node) if byline_node is not None else ""
        snippet_node = _next_element(byline_node)
        snippet = None
        if snippet_node is not None and "gse_alrt_sni" in (
            snippet_node.attributes.get("class") or ""
        ):
            snippet = facts.snippet(snippet_node)
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
