"""Golden files: every tests/data/<format>/<case>.eml (or .txt page) against <case>.expected.json.

The expected file holds the whole ParsedDigest except `sizes` and `own_sizes`, which belong to the size
extractor and have their own tests (see test_parse_sizes_in_digests below).
Regenerate after an intended change with:  MAILER_UPDATE_GOLDEN=1 pytest tests/test_parse_golden.py
and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mailer.models import ParsedDigest
from mailer.parse.inputs import parse_document
from mailer.parse.sizes import extract_sizes

DATA = Path(__file__).resolve().parent / "data"
FORMAT_DIRS = ("hf_daily", "arxiv_listing", "scholar", "generic", "malformed", "text_page")
CASES = sorted(
    path
    for folder in FORMAT_DIRS
    for path in (DATA / folder).glob("*")
    if path.suffix in (".eml", ".txt")
)
UPDATE = os.environ.get("MAILER_UPDATE_GOLDEN") == "1"


def digest_to_json(digest: ParsedDigest) -> dict[str, object]:
    papers = []
    for paper in digest.papers:
        shown = paper.to_json()
        shown.pop("sizes")
        shown.pop("own_sizes")
        papers.append(shown)
    return {
        "message_id": digest.message_id,
        "subject": digest.subject,
        "sender": digest.sender,
        "date": digest.date.isoformat() if digest.date else None,
        "format": digest.format,
        "problems": [
            {"message_id": p.message_id, "formats_tried": list(p.formats_tried), "reason": p.reason}
            for p in digest.problems
        ],
        "papers": papers,
    }


def parse_case(path: Path) -> ParsedDigest:
    name = path.relative_to(DATA).as_posix()
    return parse_document(name, path.read_bytes())


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.relative_to(DATA).as_posix())
def test_digest_matches_golden_file(case: Path) -> None:
    expected_path = case.with_suffix(".expected.json")
    actual = digest_to_json(parse_case(case))
    if UPDATE or not expected_path.exists():
        expected_path.write_text(json.dumps(actual, ensure_ascii=False, indent=2) + "\n")
        if not UPDATE:
            pytest.fail(f"wrote missing {expected_path.name}: review it and commit")
    expected = json.loads(expected_path.read_text())
    assert actual == expected


def test_there_are_enough_golden_cases_for_every_format() -> None:
    assert len(CASES) >= 12
    formats = {json.loads(c.with_suffix(".expected.json").read_text())["format"] for c in CASES}
    assert {"hf-daily", "arxiv-listing", "scholar-alert", "text-page", "generic"} <= formats


_EXTRACTOR_IS_STUB = extract_sizes("a 7B model") == []


@pytest.mark.skipif(_EXTRACTOR_IS_STUB, reason="mailer/parse/sizes.py is still the stub")
@pytest.mark.parametrize(
    ("case", "arxiv_id", "expected_params"),
    [
        ("hf_daily/digest-html-text.eml", "2404.00376", {7_000_000_000}),
        ("hf_daily/digest-html-text.eml", "2401.02385", {1_100_000_000}),
        ("arxiv_listing/short-crlf-tex.eml", "2411.04001", {1_300_000_000, 70_000_000_000}),
        ("generic/outlook-forward.eml", "2401.04088", {13_000_000_000, 47_000_000_000}),
    ],
)
def test_parse_sizes_in_digests(case: str, arxiv_id: str, expected_params: set[int]) -> None:
    """Papers carry the sizes their title and abstract state (the obvious ones)."""
    digest = parse_case(DATA / case)
    paper = next(p for p in digest.papers if p.arxiv_id == arxiv_id)
    assert expected_params <= set(paper.size_params)
