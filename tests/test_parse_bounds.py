"""What reaches the parser is bounded: binary parts are cut out of the raw email, HTML
is cut to a size, a number of tags and a nesting depth, and the text that matters stays."""

from __future__ import annotations

import re
from email import message_from_bytes

from hostile_mail import big_attachment
from hypothesis import given, settings
from hypothesis import strategies as st

from mailer.parse import bounds
from mailer.parse.bounds import (
    MAX_HTML_CHARS,
    MAX_HTML_DEPTH,
    MAX_HTML_TAGS,
    bound_html,
    strip_binary_bodies,
)

LINK = '<a href="https://arxiv.org/abs/2401.04088">Mixtral of Experts</a>'


def test_an_attachment_body_is_cut_and_the_text_part_kept() -> None:
    raw = big_attachment(2)
    stripped = strip_binary_bodies(raw)
    assert len(stripped) < 2_000
    message = message_from_bytes(stripped)
    parts = [p for p in message.walk() if not p.is_multipart()]
    assert str(parts[0].get_payload()).strip() == "the slides are attached"
    assert parts[1].get_filename() == "slides.bin"
    assert parts[1].get_payload() == ""


def test_an_email_without_binary_parts_is_left_as_it_is() -> None:
    raw = b"Subject: x\nContent-Type: text/html\n\n" + LINK.encode()
    assert strip_binary_bodies(raw) is raw


def test_containers_nested_past_the_depth_go_but_their_links_stay() -> None:
    html = "<div>" * (MAX_HTML_DEPTH + 1_000) + LINK + "</div>" * 5
    bounded = bound_html(html)
    assert bounded.count("<div>") == MAX_HTML_DEPTH
    assert LINK in bounded


def test_html_is_cut_to_its_size_and_tag_count() -> None:
    assert len(bound_html("<p>" + "x" * (MAX_HTML_CHARS * 2))) <= MAX_HTML_CHARS
    assert bound_html("<p>x" * (MAX_HTML_TAGS + 10)).count("<p>") == MAX_HTML_TAGS


def test_a_newsletter_sized_body_is_untouched() -> None:
    html = "<table><tr><td>" + (f"<div><p>{LINK}</p></div>" * 50) + "</td></tr></table>"
    assert bound_html(html) == html


# --- the fast paths give what the tag-by-tag readings give --------------------------------

_PIECES = st.sampled_from(
    [
        *("<div>", "</div>", "<p>", "<br/>", "<td ", "</TD>", "<Table>", "x" * 1995, "/", ">"),
        *("<", "<a href='https://arxiv.org/abs/2401.04088'>", "</a>", "<img src=x />", " "),
        "<b\u00e9>",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=40), st.integers(min_value=1, max_value=12))
def test_an_html_kept_as_it_is_is_what_the_tag_by_tag_reading_keeps(
    pieces: list[str], repeat: int
) -> None:
    html = "".join(pieces) * repeat
    if bounds._is_within_bounds(html):
        assert bounds._bound_tags(html) == html
    nested = "<div>" * MAX_HTML_DEPTH + html
    assert bound_html(nested) == bounds._bound_tags(nested)


_HEADER_PIECES = st.sampled_from(
    [
        *(b"Content-Type: image/png\r\n", b"content-type:application/pdf\n", b" name=x\n"),
        *(b"CONTENT-TYPE:\tVideo/mp4", b"Content-Type: text/html\n", b"\n", b"\r", b"--b\n"),
        *(b"\r\n", b"xyz"),
    ]
)
_OLD_BINARY_PART = re.compile(b"^" + bounds._BINARY_PART.pattern, re.IGNORECASE | re.MULTILINE)


@settings(max_examples=300, deadline=None)
@given(st.lists(_HEADER_PIECES, max_size=30))
def test_binary_part_headers_are_found_where_a_case_insensitive_scan_finds_them(
    pieces: list[bytes],
) -> None:
    raw = b"".join(pieces)
    expected = [m.span() for m in _OLD_BINARY_PART.finditer(raw)]
    assert [m.span() for m in bounds._binary_part_headers(raw)] == expected
