"""Bounds on what reaches the parser, so a hostile email costs bounded memory and time.

- `strip_binary_bodies(raw)`: the bodies of binary parts (images, PDFs, archives) are
  cut from the raw bytes before the MIME parser reads them: never decoded.
- `bound_html(html)`: HTML cut to a size and a number of tags, and container tags
  nested past a depth removed, before an HTML parser builds its tree.

Pure and linear in the input.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import product

# Bounds on the HTML handed to the parser: its tree costs memory per element (5 MB of
# `<p>` took 572 MiB) and time per nesting level (200,000 nested tables took minutes).
# A Daily Papers digest has ~2,000 tags nested ~30 deep and weighs ~200 kB.
MAX_HTML_CHARS = 1_500_000
MAX_HTML_TAGS = 60_000
MAX_HTML_DEPTH = 200

# A part that cannot hold a digest, by its Content-Type header (continuation lines too).
# Matched on the lower-cased bytes (bytes.lower() changes A-Z only, as IGNORECASE would),
# at each line-start "content-type:" found by bytes.find: a case-insensitive regex scan
# tried every position of a 100 kB email (1.2 ms, as long as the MIME parse's third).
_BINARY_PART = re.compile(
    rb"content-type:[ \t]*+(?:application|image|audio|video|font|model)/[^\r\n]*+"
    rb"(?:\r?\n[ \t][^\r\n]*+)*+"
)
_CONTENT_TYPE = b"content-type:"


def _binary_part_headers(raw: bytes) -> Iterator[re.Match[bytes]]:
    """The Content-Type headers of binary parts, each at a line start: what
    `^content-type:...` with IGNORECASE and MULTILINE finds, in order (a match never
    holds another line-start header: its continuation lines start with a space or tab)."""
    lower = raw.lower()
    at = lower.find(_CONTENT_TYPE)
    while at >= 0:
        if at == 0 or lower[at - 1] == 0x0A:  # "^" in MULTILINE: the start or after "\n"
            found = _BINARY_PART.match(lower, at)
            if found is not None:
                yield found
        at = lower.find(_CONTENT_TYPE, at + 1)


_BLANK_LINE = re.compile(rb"\r?\n\r?\n")
_BOUNDARY_LINE = re.compile(rb"\n--")
_MAX_PART_HEADER = 16_384


def strip_binary_bodies(raw: bytes) -> bytes:
    """The email without the bodies of its binary parts (images, PDFs, archives), cut
    before the MIME parser sees them: a 24 MB attachment is never read into lines,
    let alone decoded. A body ends at the next line starting with `--` (a boundary;
    base64 never starts a line so); what cannot be told apart is kept. Linear time."""
    pieces: list[bytes] = []
    kept = 0
    for found in _binary_part_headers(raw):
        if found.start() < kept:
            continue
        blank = _BLANK_LINE.search(raw, found.end(), found.end() + _MAX_PART_HEADER)
        if blank is None:
            continue
        end = _BOUNDARY_LINE.search(raw, blank.end())
        stop = end.start() + 1 if end else len(raw)
        pieces.append(raw[kept : blank.end()])
        kept = stop
    if not pieces:
        return raw
    pieces.append(raw[kept:])
    return b"".join(pieces)


_HTML_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]{0,20})\b[^<>]{0,2000}?(/?)>")
# The tags bound_html counts as depth, read by one greedy findall (4x faster than the lazy
# scan above): those not self-closing, as (closing, name, long), where `long` is their
# attributes when they run to 2,001 characters (then _HTML_TAG, which stops at 2,000, does
# not read them as tags) and "" otherwise. Where a tag ends at its first ">", both read the
# same tags.
_DEPTH_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]{0,20})\b(?:[^<>]{0,2000}|([^<>]{2001}))(?<!/)>")
# Not counted as depth, never removed: elements a browser closes by itself, that never
# hold others, or that are inline (links must survive; the parser nests these cheaply).
_NOT_CONTAINERS = frozenset(
    [
        "p",
        "li",
        "dt",
        "dd",
        "option",
        "optgroup",
        "colgroup",
        "rt",
        "rp",
        "br",
        "hr",
        "img",
        "meta",
        "link",
        "input",
        "col",
        "area",
        "base",
        "wbr",
        "source",
        "track",
        "embed",
        "param",
        "a",
        "abbr",
        "b",
        "bdi",
        "bdo",
        "big",
        "cite",
        "code",
        "data",
        "dfn",
        "em",
        "font",
        "i",
        "kbd",
        "mark",
        "nobr",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strike",
        "strong",
        "sub",
        "sup",
        "time",
        "tt",
        "u",
        "var",
    ]
)


def bound_html(html: str) -> str:
    """The HTML cut to MAX_HTML_CHARS and MAX_HTML_TAGS (at a tag), with container tags
    (div, table, ...) nested deeper than MAX_HTML_DEPTH removed; their text and links
    stay. Linear time."""
    if len(html) > MAX_HTML_CHARS:
        cut = html.rfind("<", 0, MAX_HTML_CHARS)
        html = html[: cut if cut > 0 else MAX_HTML_CHARS]
    if _is_within_bounds(html):  # nearly every email: nothing to cut or drop
        return html
    return _bound_tags(html)


def _bound_tags(html: str) -> str:
    """bound_html's cutting, tag by tag."""
    depth = 0
    tags = 0
    pieces: list[str] = []
    kept = 0  # html[:kept] is in pieces
    for m in _HTML_TAG.finditer(html):
        tags += 1
        if tags > MAX_HTML_TAGS:
            pieces.append(html[kept : m.start()])
            return "".join(pieces)
        name = m.group(2).lower()
        if name in _NOT_CONTAINERS or m.group(3):
            continue
        if m.group(1):
            depth = max(depth - 1, 0)
            drop = depth >= MAX_HTML_DEPTH
        else:
            drop = depth >= MAX_HTML_DEPTH
            depth += 1
        if drop:
            pieces.append(html[kept : m.start()])
            kept = m.end()
    if not pieces:
        return html
    pieces.append(html[kept:])
    return "".join(pieces)


def _is_within_bounds(html: str) -> bool:
    """Whether bound_html keeps `html` as it is: at most MAX_HTML_TAGS tags (there are no
    more tags than "<"s) and no container tag at MAX_HTML_DEPTH or deeper, counted as
    bound_html counts. False (the exact reading decides) for a doubtful 2,001-character tag."""
    if html.count("<") > MAX_HTML_TAGS:
        return False
    depth = 0
    for closing, name, long in _DEPTH_TAG.findall(html):
        if long:  # not a tag to _HTML_TAG
            return False
        if name in _NOT_CONTAINER_SPELLINGS:
            continue
        if closing:
            depth = max(depth - 1, 0)
            if depth >= MAX_HTML_DEPTH:
                return False
        else:
            if depth >= MAX_HTML_DEPTH:
                return False
            depth += 1
    return True


def _spellings(name: str) -> set[str]:
    """Every upper/lower-case spelling of an ASCII tag name ("b", "B")."""
    return {"".join(chars) for chars in product(*({c.lower(), c.upper()} for c in name))}


# The names _NOT_CONTAINERS holds, however a tag spells them (about 1,300): one set lookup
# per tag instead of lowering each name first
_NOT_CONTAINER_SPELLINGS = frozenset(
    spelling for name in _NOT_CONTAINERS for spelling in _spellings(name)
)
