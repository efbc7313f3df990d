"""The parser's fast paths read HTML and text exactly as the plainer patterns they replace
(issue 11 part 3: faster parsing, same papers)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from mailer.parse import bounds, links
from mailer.parse.formats import arxiv_listing, marked
from mailer.parse.message import _ANY_MARKER, _forward_block_in_text
from mailer.parse.text import LINE_BREAK, mark_blocks

# The four passes mark_blocks made before it made two
_BLOCK_TAG = re.compile(
    r"<(?=/?(?:p|div|br|h[1-6]|li|ul|ol|table|blockquote|section|article"
    r"|header|footer|hr|center|dd|dt|dl|pre|title)\b)",
    re.IGNORECASE,
)
_CELL_OPEN = re.compile(r"(<t[dh]\b[^<>]{0,2000}>)", re.IGNORECASE)
_CELL_CLOSE = re.compile(r"</(?=t[dh]\s*>)", re.IGNORECASE)
_TABLE_CLOSE = re.compile(r"(</table\s*>)", re.IGNORECASE)


def _four_passes(raw_html: str) -> str:
    marked_html = _BLOCK_TAG.sub(LINE_BREAK + "<", raw_html)
    if "<t" in marked_html or "<T" in marked_html:
        marked_html = _CELL_OPEN.sub("\\1" + LINE_BREAK, marked_html)
        marked_html = _CELL_CLOSE.sub(LINE_BREAK + "</", marked_html)
        marked_html = _TABLE_CLOSE.sub("\\1" + LINE_BREAK, marked_html)
    return marked_html


_NAMES = [
    *["p", "pre", "prex", "div", "dd", "dt", "dl", "br", "blockquote", "h1", "h6", "h7", "hr"],
    *["header", "ul", "ol", "li", "table", "title", "section", "article", "footer", "center"],
    *["td", "th", "tr", "tbody", "a", "b", "strong", "span", "DIV", "Td", "TH", "TiTle", "H2"],
    *["bloc\u212aquote", "\u017fection", "t\u0130tle", "t\u0131tle", "STRONG", "B"],
]
_TAG = st.builds(
    lambda slash, name, end: f"<{slash}{name}{end}",
    st.sampled_from(["", "/"]),
    st.sampled_from(_NAMES),
    st.sampled_from(["", ">", " x>", "  >", "\t>", "_>", "1>", "/>", "\u2029>", " a='>'>"]),
)
_TEXT = st.lists(
    st.sampled_from(["<", ">", "/", " ", "\n", "\u2029", "a", "=", '"', "é", "_", "1"]),
    max_size=4,
).map("".join)
_HTML = st.lists(st.one_of(_TAG, _TEXT), max_size=14).map("".join)


@settings(max_examples=300)
@given(_HTML)
def test_block_breaks_are_those_of_the_four_passes(raw_html: str) -> None:
    assert mark_blocks(raw_html) == _four_passes(raw_html)


_LINES = st.lists(
    st.sampled_from(
        [
            *["\n", "\r\n", " ", ">", "*", "From:", "from:", "---", "--", "-- ", "\\\\", "\\"],
            *["Begin forwarded message:", "x", "\u00a0", "\u2028", "\t", "arXiv:2401.00001"],
        ]
    ),
    max_size=16,
).map("".join)
_LINE_START_MARKER = re.compile(
    r"^[> ]*+(?:\**+\s*+From:|-{3,}|Begin forwarded message:)", re.IGNORECASE | re.MULTILINE
)
_LINE_START_SIGNATURE = re.compile(r"^-- $", re.MULTILINE)
_LINE_START_ENTRY = re.compile(rf"^\\\\\s*\n(?:arXiv:{links.ARXIV_ID})", re.MULTILINE)


@settings(max_examples=300)
@given(_LINES)
def test_newline_led_scans_find_what_line_start_patterns_find(text: str) -> None:
    assert (marked._SIGNATURE.search("\n" + text) is not None) == (
        _LINE_START_SIGNATURE.search(text) is not None
    )
    signature = marked._SIGNATURE.search("\n" + text)
    before = text[: signature.start()] if signature else text
    assert before == _LINE_START_SIGNATURE.split(text, maxsplit=1)[0]
    assert (arxiv_listing._ENTRY_START.search("\n" + text) is not None) == (
        _LINE_START_ENTRY.search(text) is not None
    )
    assert (_ANY_MARKER.search("\n" + text) is not None) == (
        _LINE_START_MARKER.search(text) is not None
    )


def test_a_forwarded_block_after_the_first_line_is_still_found() -> None:
    text = "Hi,\n\n---------- Forwarded message ---------\nFrom: A <a@x.org>\nSubject: S\n\nbody"
    found = _forward_block_in_text(text)
    assert found is not None
    assert found.headers["subject"] == "S"


# How bound_html's fast check read tags before it read only those counted as depth
_ANY_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]{0,20})\b([^<>]{0,2001})>")


def _within_bounds_before(html: str, max_depth: int) -> bool:
    if html.count("<") > bounds.MAX_HTML_TAGS:
        return False
    depth = 0
    for closing, name, rest in _ANY_TAG.findall(html):
        if rest[-1:] == "/":
            continue
        if len(rest) > 2000:
            return False
        if name.lower() in bounds._NOT_CONTAINERS:
            continue
        if closing:
            depth = max(depth - 1, 0)
            if depth >= max_depth:
                return False
        else:
            if depth >= max_depth:
                return False
            depth += 1
    return True


_BOUND_TAG = st.builds(
    lambda slash, name, rest, end: f"<{slash}{name}{rest}{end}",
    st.sampled_from(["", "/"]),
    st.sampled_from(["div", "DiV", "p", "td", "b", "B", "span", "table", "x1", "TR", "COLgroup"]),
    st.sampled_from(["", " ", " a=1", "/", " /", *(" " + "y" * n for n in (1999, 2000, 2001))]),
    st.sampled_from([">", "/>", "", ">>"]),
)


@settings(max_examples=300)
@given(st.lists(st.one_of(_BOUND_TAG, st.sampled_from(["", "t", "<", ">", "é"])), max_size=14))
def test_the_bounds_check_reads_depth_as_it_did_when_it_read_every_tag(pieces: list[str]) -> None:
    html = "".join(pieces)
    saved = bounds.MAX_HTML_DEPTH
    bounds.MAX_HTML_DEPTH = 3  # deep enough to matter in a short text
    try:
        assert bounds._is_within_bounds(html) == _within_bounds_before(html, 3)
    finally:
        bounds.MAX_HTML_DEPTH = saved
