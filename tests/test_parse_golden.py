"""Golden files: every tests/data/<format>/<case>.eml (or .txt page) against <case>.expected.json.

The expected file holds the whole ParsedDigest except `sizes` and `own_sizes`, which belong to the size
extractor and have their own tests (see test_parse_sizes_in_digests below).
A golden folder is any folder directly under tests/data holding an `.eml` or an `.expected.json`:
a new format's folder is found without editing this file.
Regenerate after an intended change with:  pytest tests/test_parse_golden.py --update-goldens
and review the diff.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Golden

from mailer.core.models import ParsedDigest
from mailer.parse.formats import FORMATS
from mailer.parse.inputs import parse_document

DATA = Path(__file__).resolve().parent / "data"


def golden_folders() -> list[Path]:
    """The folders of golden cases: those holding an email or an expected parse."""
    return sorted(
        folder
        for folder in DATA.iterdir()
        if folder.is_dir() and (any(folder.glob("*.eml")) or any(folder.glob("*.expected.json")))
    )


CASES = sorted(
    path
    for folder in golden_folders()
    for path in folder.iterdir()
    if path.suffix in (".eml", ".txt")
)


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
def test_digest_matches_golden_file(case: Path, golden: Golden) -> None:
    expected_path = case.with_suffix(".expected.json")
    actual = digest_to_json(parse_case(case))
    if not golden.update and not expected_path.exists():
        expected_path.write_text(json.dumps(actual, ensure_ascii=False, indent=2) + "\n")
        pytest.fail(f"wrote missing {expected_path.name}: review it and commit")
    if golden.update:
        golden.check(expected_path, json.dumps(actual, ensure_ascii=False, indent=2) + "\n")
    expected = json.loads(expected_path.read_text())
    assert actual == expected


def test_there_are_enough_golden_cases_for_every_format() -> None:
    folders = {folder.name for folder in golden_folders()}
    assert {"hf_daily", "arxiv_listing", "scholar", "generic", "malformed", "text_page"} <= folders
    assert not folders & {"render", "rules", "sizes", "enrich", "real"}, folders
    assert len(CASES) >= 12
    formats = {json.loads(c.with_suffix(".expected.json").read_text())["format"] for c in CASES}
    assert {f.name for f in FORMATS} <= formats, "a format without a golden case"


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
