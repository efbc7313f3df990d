"""arXiv daily listing mails (`cs daily Subj-class mailing ...`), plain text.

An entry starts at a line that is exactly `\\\\` followed by `arXiv:<id>`; its header fields
(Title, Authors, Categories, Comments, ...) wrap with a 2-space indent; the abstract sits
between the next exact `\\\\` line and `\\\\ ( https://arxiv.org/abs/<id> , 123kb)`.
Section rules switch the announce kind: `%-%-%-` cross-lists, `%%--%%--` replacements (no
abstract), `%%%---%%%---` the end. Ids cited inside abstracts are not entries.

A forwarded listing quoted with `> ` is read without the quoting; NBSP-indented
continuation lines are continuations. Authors drop affiliation marks and lists, numbered
(`Miki Kurihara (1), Taro Sato (1 and 2) ((1) Univ. A, (2) Lab B)`) or not (`A (MIT)`).
"""

from __future__ import annotations

import re
from datetime import date

from mailer.core.models import Announce, Paper
from mailer.parse.formats.base import DigestFormat
from mailer.parse.formats.details import split_authors
from mailer.parse.formats.marked import strip_quoting
from mailer.parse.links import ARXIV_ID, arxiv_abs_url, arxiv_pdf_url
from mailer.parse.message import Envelope, parse_date
from mailer.parse.papers import build_paper
from mailer.parse.text import decode_tex_accents, join_wrapped_lines

_SEPARATOR = "\\\\"
_ID_LINE = re.compile(rf"^arXiv:({ARXIV_ID})(v\d+)?\b(.*)$")
_FIELD = re.compile(r"^([A-Z][A-Za-z\-]*):\s?(.*)$")
_LINK_LINE = re.compile(r"^\\\\ \(\s*https?://")
_CROSS = re.compile(r"^%-%-%-")
_REPLACED = re.compile(r"^%%--%%--")
_END = re.compile(r"^%%%---%%%---")
# searched in "\n" + text: led by a newline, not by a MULTILINE "^" (tried at every character)
_ENTRY_START = re.compile(rf"\n\\\\\s*\n(?:arXiv:{ARXIV_ID})")
_SUBJECT = re.compile(r"^\s*(\S+)\s+daily\b", re.IGNORECASE)
_ADDITIONAL = re.compile(r"\(\s*\d+\s+additional authors? not shown\s*\)", re.IGNORECASE)


def is_known_sender(envelope: Envelope) -> bool:
    if (envelope.sender_address or "") == "no-reply@arxiv.org":
        return True
    return "arxiv.org" in (envelope.list_id or "").casefold()


def looks_like(envelope: Envelope) -> bool:
    if re.search(r"daily Subj-class mailing", envelope.subject or "", re.IGNORECASE):
        return True
    return is_listing_text(envelope.text)


def is_listing_text(text: str) -> bool:
    """Text holding at least one listing entry (`\\\\` then `arXiv:<id>`), quoted or not."""
    if "arXiv:" not in text:
        return False
    if _ENTRY_START.search("\n" + text):
        return True
    return bool(_ENTRY_START.search("\n" + _listing_text(text)))


def _listing_text(text: str) -> str:
    return strip_quoting(text.replace("\r\n", "\n")).replace("\u00a0", " ")


def source_label(envelope: Envelope) -> str:
    m = _SUBJECT.match(envelope.subject or "")
    return f"arXiv {m.group(1)} daily" if m else "arXiv daily listing"


def _read_fields(lines: list[str]) -> dict[str, str]:
    """Header fields with their wrapped continuation lines joined."""
    fields: dict[str, list[str]] = {}
    last: str | None = None
    for line in lines:
        m = _FIELD.match(line)
        if m and not line.startswith(" "):
            last = m.group(1).lower()
            fields.setdefault(last, []).append(m.group(2))
        elif line.startswith(" ") and last is not None:
            fields[last].append(line)
        elif line.startswith("replaced with revised version"):
            fields.setdefault("replaced", []).append(line)
            last = None
    return {name: join_wrapped_lines(parts) for name, parts in fields.items()}


def _published(fields: dict[str, str]) -> date | None:
    stamp = fields.get("date", "")
    stamp = re.sub(r"\s*\(.*$", "", stamp)  # "(1531kb,D)"
    parsed = parse_date(stamp)
    return parsed.date() if parsed else None


_PARENTHESISED = re.compile(r"\s*\([^()]{0,500}\)")


def _without_affiliations(text: str) -> str:
    """`A (1), B (1 and 2) ((1) Univ, (2) Lab)` -> `A, B`: affiliations and their marks."""
    for _ in range(3):  # nested "((1) Univ, (2) Lab)" needs two passes
        text, count = _PARENTHESISED.subn("", text)
        if not count:
            break
    return text


def _authors(text: str | None) -> list[str] | None:
    if not text:
        return None
    text = _without_affiliations(decode_tex_accents(_ADDITIONAL.sub("", text)))
    return split_authors(text) or None


def _entry(
    arxiv_id: str, header: list[str], abstract: list[str], announce: Announce, source: str
) -> Paper:
    fields = _read_fields(header)
    return build_paper(
        title=fields.get("title") or f"arXiv {arxiv_id}",
        format="arxiv-listing",
        abstract=join_wrapped_lines(abstract) or None,
        authors=_authors(fields.get("authors")),
        arxiv_id=arxiv_id,
        url=arxiv_abs_url(arxiv_id),
        pdf_url=arxiv_pdf_url(arxiv_id),
        published=_published(fields),
        announce=announce,
        source=source,
    )


def _starts_entry(lines: list[str], index: int) -> bool:
    """`\\\\` then `arXiv:<id>`: only there does an entry start (ids in abstracts are citations)."""
    return (
        lines[index].rstrip() == _SEPARATOR
        and index + 1 < len(lines)
        and _ID_LINE.match(lines[index + 1]) is not None
    )


def parse_arxiv_listing(envelope: Envelope) -> list[Paper]:
    source = source_label(envelope)
    lines = [line.rstrip("\r") for line in _listing_text(envelope.text).split("\n")]
    papers: list[Paper] = []
    announce: Announce = "new"
    index = 0
    while index < len(lines):
        line = lines[index]
        if _END.match(line):
            break
        if _CROSS.match(line):
            announce = "cross"
        elif _REPLACED.match(line):
            announce = "replaced"
        m = _ID_LINE.match(lines[index + 1]) if _starts_entry(lines, index) else None
        if m is None:
            index += 1
            continue
        is_cross = "cross-list" in m.group(3) and announce == "new"
        kind: Announce = "cross" if is_cross else announce  # a replaced cross-list is replaced
        index += 2
        header: list[str] = []
        while index < len(lines) and lines[index].rstrip() != _SEPARATOR:
            if _LINK_LINE.match(lines[index]) or _END.match(lines[index]):
                break
            header.append(lines[index])
            index += 1
        abstract: list[str] = []
        if index < len(lines) and lines[index].rstrip() == _SEPARATOR:
            index += 1
            while index < len(lines) and not _LINK_LINE.match(lines[index]):
                if _END.match(lines[index]) or _starts_entry(lines, index):
                    break  # a truncated entry: the next one starts here
                if lines[index].rstrip() != _SEPARATOR:  # else a break inside the abstract
                    abstract.append(lines[index])
                index += 1
        papers.append(_entry(m.group(1), header, abstract, kind, source))
    return papers


FORMAT = DigestFormat(
    name="arxiv-listing",
    is_known_sender=is_known_sender,
    looks_like=looks_like,
    parse=parse_arxiv_listing,
)
