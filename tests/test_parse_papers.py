"""Building papers: sizes read from title and abstract, caps on what a hostile email holds."""

from __future__ import annotations

import json
import re
import time
from email.message import EmailMessage
from pathlib import Path

import pytest

from mailer.parse import digest, parse_email
from mailer.parse.papers import (
    MAX_ABSTRACT_CHARS,
    MAX_AUTHORS,
    MAX_SOURCE_CHARS,
    MAX_TITLE_CHARS,
    build_paper,
    dedupe_papers,
    may_hold_size,
)
from mailer.parse.sizes import extract_sizes

B = 10**9
LABELED = Path(__file__).resolve().parent / "data" / "sizes" / "labeled.jsonl"


def test_a_size_ending_the_title_is_not_read_into_the_abstracts_first_words() -> None:
    paper = build_paper(
        title="Pruning Mistral 7B",
        abstract="Tokens are costly; we prune attention heads of a 13B model as well.",
        format="generic",
    )
    assert paper.size_params == [7 * B, 13 * B]


def test_a_parameter_word_ending_the_title_does_not_make_abstract_counts_sizes() -> None:
    paper = build_paper(
        title="Fewer Tokens, More Parameters",
        abstract="Ten billion tokens of web text are filtered down to one billion.",
        format="generic",
    )
    assert paper.sizes == ()


def test_sizes_filled_from_a_later_listing_read_title_and_abstract_apart() -> None:
    first = build_paper(title="Pruning Mistral 7B", arxiv_id="2401.00001", format="generic")
    later = build_paper(
        title="Pruning Mistral 7B",
        abstract="Images are not used; a 70B teacher guides the pruning.",
        arxiv_id="2401.00001",
        format="generic",
    )
    (merged,) = dedupe_papers([first, later])
    assert merged.abstract == later.abstract
    assert merged.size_params == [7 * B, 70 * B]


def test_huge_title_abstract_and_author_list_are_capped() -> None:
    paper = build_paper(
        title="Mixtral 7B " * 100_000,
        abstract="the 7B model " * 100_000,
        authors=[f"Author {n}" for n in range(100_000)],
        upvotes=10**40,
        source="Papers of the week " * 1000,
        format="generic",
    )
    assert len(paper.title) <= MAX_TITLE_CHARS
    assert paper.title.endswith("…")
    assert paper.abstract is not None
    assert len(paper.abstract) <= MAX_ABSTRACT_CHARS
    assert paper.authors is not None
    assert len(paper.authors) == MAX_AUTHORS
    assert paper.upvotes is None  # not a count a digest shows
    assert paper.source is not None
    assert len(paper.source) <= MAX_SOURCE_CHARS
    assert paper.size_params == [7 * B]


def test_an_email_with_a_megabyte_summary_parses_quickly_into_a_capped_paper() -> None:
    message = EmailMessage()
    message["From"] = "x@example.com"
    body = '<a href="https://arxiv.org/abs/2401.04088">Mixtral of Experts</a><p>'
    message.set_content(body + "the 7B model " * 100_000 + "</p>", subtype="html")
    started = time.process_time()
    (paper,) = parse_email(message.as_bytes()).papers
    assert time.process_time() - started < 3.0
    assert paper.abstract is not None
    assert len(paper.abstract) <= MAX_ABSTRACT_CHARS
    assert paper.size_params == [7 * B]


def test_an_email_with_more_papers_than_any_digest_keeps_the_first_and_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(digest, "MAX_PAPERS_PER_EMAIL", 3)
    message = EmailMessage()
    message["From"] = "x@example.com"
    links = (
        f'<p><a href="https://arxiv.org/abs/2401.{n:05d}">Paper number {n}</a></p>'
        for n in range(5)
    )
    message.set_content("".join(links), subtype="html")
    parsed = parse_email(message.as_bytes())
    assert [p.arxiv_id for p in parsed.papers] == ["2401.00000", "2401.00001", "2401.00002"]
    assert [p.reason for p in parsed.problems] == ["5 papers found; only the first 3 are kept"]


def test_a_text_the_size_prefilter_skips_holds_no_size_for_the_extractor() -> None:
    """The prefilter only saves time: every labeled text and each of its sentences, with and
    without their digits, reads the same with it as with the extractor alone."""
    texts = [json.loads(line)["text"] for line in LABELED.read_text().splitlines() if line]
    pieces = [piece for text in texts for piece in (text, *re.split(r"(?<=[.;])\s", text))]
    pieces += [re.sub(r"[0-9]", "", piece) for piece in pieces]
    pieces += ["a billion-parameter model", "ten Billion parameters", "one TRILLION weights"]
    pieces += ["Mixtral of Experts", "Twelve bn-parameter models", "seven thousand parameters"]
    skipped = 0
    for piece in pieces:
        if not may_hold_size(piece):
            skipped += 1
            assert extract_sizes(piece) == [], piece
    assert skipped > len(pieces) // 4  # the test reaches the prefilter's no
    assert may_hold_size("ten Billion parameters")
    assert may_hold_size("Llama 2 (70B)")
