"""From raw bytes to a ParsedDigest: pick the readable copy, try formats, record problems.

Never raises. A format module that raises, or a known newsletter sender whose own format
finds no papers (its template probably changed), becomes a `ParseProblem` next to whatever
papers the other formats found.
"""

from __future__ import annotations

import re

from mailer.core.models import Paper, ParsedDigest, ParseProblem
from mailer.parse.formats import candidate_formats
from mailer.parse.formats.arxiv_listing import is_listing_text
from mailer.parse.formats.text_page import parse_text_page
from mailer.parse.message import (
    DecodedEmail,
    Envelope,
    MessageDecodeError,
    bounded_message_id,
    decode_email,
)
from mailer.parse.papers import dedupe_papers

_MAX_REASON = 300
# The biggest real digest (a full cs.* arXiv listing) has under 2,000 entries; an email
# with 100,000 paper links would otherwise flood the store, the matcher and the channels.
MAX_PAPERS_PER_EMAIL = 5_000


def _describe_error(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}"
    return text if len(text) <= _MAX_REASON else text[: _MAX_REASON - 1] + "…"


def parse_envelope(envelope: Envelope) -> ParsedDigest:
    """Try the candidate formats in order; the first that finds papers wins."""
    tried: list[str] = []
    problems: list[ParseProblem] = []
    papers: list[Paper] = []
    winner = None
    known = []
    for digest_format in candidate_formats(envelope):
        if digest_format.is_known_sender(envelope):
            known.append(digest_format.name)
        tried.append(digest_format.name)
        try:
            papers = digest_format.parse(envelope)
        except Exception as e:  # noqa: BLE001 bulkhead: one broken format never loses the email
            problems.append(
                ParseProblem(
                    envelope.message_id,
                    tuple(tried),
                    f"format {digest_format.name} failed: {_describe_error(e)}",
                )
            )
            continue
        if papers:
            winner = digest_format.name
            break
    if known and winner not in known:
        found = f"; {winner} found {len(papers)}" if winner else ""
        problems.append(
            ParseProblem(
                envelope.message_id,
                tuple(tried),
                f"sender {envelope.sender_address or envelope.list_id} is a known {known[0]} "
                f"newsletter but its format found no papers (template changed?){found}",
            )
        )
    if not papers:
        links = paper_links_in(envelope)
        if links:
            shown = ", ".join(links[:3]) + (f" and {len(links) - 3} more" if len(links) > 3 else "")
            problems.append(
                ParseProblem(
                    envelope.message_id,
                    tuple(tried),
                    f"the email links to {len(links)} paper(s) but no paper was read: {shown}",
                )
            )
    kept, cut = _at_most_max_papers(dedupe_papers(papers), envelope.message_id, tuple(tried))
    return ParsedDigest(
        message_id=envelope.message_id,
        subject=envelope.subject,
        sender=envelope.sender,
        date=envelope.date,
        format=winner,
        papers=kept,
        problems=(*problems, *cut),
    )


_PAPER_URL = re.compile(
    r"https?://(?:www\.)?(?:arxiv\.org/(?:abs|pdf|html)/|browse\.arxiv\.org/(?:abs|pdf|html)/"
    r"|huggingface\.co/papers/\d|alphaxiv\.org/abs/|openreview\.net/(?:forum|pdf)\?"
    r"|(?:dx\.)?doi\.org/10\.)[^\s\"'<>()\[\]]{1,200}",
    re.IGNORECASE,
)
_MAX_LINKS_SCANNED = 1000


def paper_links_in(envelope: Envelope) -> list[str]:
    """Paper URLs written anywhere in the email, for a problem that names them."""
    found: dict[str, None] = {}
    for body in (envelope.text, envelope.html):
        for m in _PAPER_URL.finditer(body):
            found[m.group(0).rstrip(".,;:*_")] = None
            if len(found) >= _MAX_LINKS_SCANNED:
                return list(found)
    return list(found)


def _at_most_max_papers(
    papers: tuple[Paper, ...], message_id: str | None, tried: tuple[str, ...]
) -> tuple[tuple[Paper, ...], tuple[ParseProblem, ...]]:
    """The first MAX_PAPERS_PER_EMAIL papers, and a problem saying so when there were more."""
    if len(papers) <= MAX_PAPERS_PER_EMAIL:
        return papers, ()
    reason = f"{len(papers):,} papers found; only the first {MAX_PAPERS_PER_EMAIL:,} are kept"
    return papers[:MAX_PAPERS_PER_EMAIL], (ParseProblem(message_id, tried, reason),)


def _message_id_guess(raw: bytes) -> str | None:
    """The Message-ID of bytes that do not decode, for the problem record."""
    for line in raw[:65536].split(b"\n"):
        if line[:11].lower() == b"message-id:":
            return bounded_message_id(line[11:].decode("ascii", "replace"))
        if not line.strip():
            break
    return None


def _digest_from_best_copy(decoded: DecodedEmail) -> ParsedDigest:
    """The first copy that yields papers (originals before the forwarding email)."""
    results = [parse_envelope(copy) for copy in decoded.copies]
    chosen = next((r for r in results if r.papers), None)
    if chosen is None:  # none yields papers: the outer email, unless a copy has a problem
        outer = parse_envelope(decoded.outer)
        with_problems = [r for r in results if r.problems]
        chosen = outer if outer.papers or outer.problems or not with_problems else with_problems[0]
        results.append(outer)
    problems = tuple(p for r in results for p in r.problems if r is chosen or "failed" in p.reason)
    message_id = decoded.outer.message_id
    defects = f" (MIME defects: {', '.join(decoded.defects)})" if decoded.defects else ""
    return ParsedDigest(
        message_id=message_id,
        subject=chosen.subject,
        sender=chosen.sender,
        date=chosen.date or decoded.outer.date,
        format=chosen.format,
        papers=chosen.papers,
        problems=tuple(
            ParseProblem(message_id, p.formats_tried, p.reason + defects)
            for p in dict.fromkeys(problems)
        ),
    )


def parse_email(raw: bytes) -> ParsedDigest:
    """The papers a newsletter email lists. Never raises: problems are in the result."""
    try:
        decoded = decode_email(raw)
    except MessageDecodeError as e:
        message_id = _message_id_guess(raw)
        problem = ParseProblem(message_id, (), f"unreadable email: {_describe_error(e)}")
        return ParsedDigest(message_id, None, None, None, None, (), (problem,))
    try:
        return _digest_from_best_copy(decoded)
    except Exception as e:  # noqa: BLE001 bulkhead: a bug here must not stop the service either
        outer = decoded.outer
        problem = ParseProblem(outer.message_id, (), f"parser error: {_describe_error(e)}")
        return ParsedDigest(
            outer.message_id, outer.subject, outer.sender, outer.date, None, (), (problem,)
        )


_HTML_START = re.compile(r"^\s*(?:<!doctype html|<html|<body|<div|<table|<p\b)", re.IGNORECASE)
_HEADER_START = re.compile(
    r"^(?:From|Received|Return-Path|Delivered-To|Message-ID|MIME-Version|Date|Subject)[ \t]*:",
    re.IGNORECASE,
)


def _page_envelope(text: str, name: str | None, *, html: bool) -> Envelope:
    return Envelope(None, name, None, None, None, None, text if html else "", "" if html else text)


def parse_page(text: str, *, name: str | None = None) -> ParsedDigest:
    """A saved page, sniffed: an arXiv listing, an HTML page, an email saved as text, else
    the Daily Papers page rendering (title line, blank line, abstract paragraph), and when
    that finds nothing, papers by their links. Never raises."""
    if is_listing_text(text):
        return parse_envelope(_page_envelope(text, name, html=False))
    if _HTML_START.match(text[:2000]):
        return parse_envelope(_page_envelope(text, name, html=True))
    if _HEADER_START.match(text) and "\n\n" in text.replace("\r\n", "\n")[:20000]:
        return parse_email(text.encode("utf-8", "surrogateescape"))
    digest = _parse_daily_papers_page(text, name)
    if digest.papers:
        return digest
    linked = parse_envelope(_page_envelope(text, name, html=False))
    return linked if linked.papers else digest


def _parse_daily_papers_page(text: str, name: str | None) -> ParsedDigest:
    try:
        papers = dedupe_papers(parse_text_page(text, name))
    except Exception as e:  # noqa: BLE001 bulkhead: one broken format never loses the page
        problem = ParseProblem(
            None, ("text-page",), f"format text-page failed: {_describe_error(e)}"
        )
        return ParsedDigest(None, name, None, None, "text-page", (), (problem,))
    papers, problems = _at_most_max_papers(papers, None, ("text-page",))
    if not papers:
        problems = (ParseProblem(None, ("text-page",), "no title/abstract pairs found in page"),)
    return ParsedDigest(None, name, None, None, "text-page", papers, problems)
