"""The parser measured on real newsletters it was not written for (tests/data/real/).

Each fixture is a real issue of a public newsletter (AINews, DAIR.AI's ML Papers of the
Week, TLDR AI, a third-party Hugging Face daily digest, an arXiv-memory daily digest, the
arXiv cs listing) wrapped as the email a subscriber receives, next to a hand-checked
`<name>.expected.json`: the papers it lists (arXiv id), each with the title the newsletter
shows (null where it shows none: then any title but a weak anchor such as "research link"
is fine) and the authors where shown. README.md there says where each text comes from.

The split is fixed by file name before any tuning (see `split_of`); the floors are enforced
on the holdout part. Print both parts (misses listed for the tune part only, unless asked):

    python3 tests/test_real_eval.py [--show-holdout]
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from mailer.parse.inputs import parse_document
from mailer.parse.text import collapse_whitespace

REAL = Path(__file__).resolve().parent / "data" / "real"
MIN_RECALL = 0.97
MIN_PRECISION = 0.98
MIN_EXACT_TITLES = 0.85


def fixtures() -> list[Path]:
    return sorted(p for p in REAL.glob("*/*") if p.suffix in (".eml", ".txt"))


def _rank(path: Path) -> int:
    return int(hashlib.sha256(path.relative_to(REAL).as_posix().encode()).hexdigest(), 16)


def split_of(path: Path) -> str:
    """`holdout` for the lowest-hash third (rounded up) of each publisher folder that has
    two fixtures or more, so every such publisher is in both parts; else `tune`. The folder
    `fresh/` is a second holdout, added after the first was seen once."""
    if path.parent.name == "fresh":
        return "fresh"
    folder = sorted((p for p in fixtures() if p.parent == path.parent), key=_rank)
    if len(folder) < 2:
        return "tune"
    return "holdout" if path in folder[: math.ceil(len(folder) / 3)] else "tune"


def _same(text: str | None) -> str:
    return unicodedata.normalize("NFC", collapse_whitespace(text or ""))


@dataclass
class Score:
    expected: int = 0
    found: int = 0
    matched: int = 0
    titled: int = 0
    exact_titles: int = 0
    untitled: int = 0
    weak_titles: int = 0
    with_authors: int = 0
    exact_authors: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.matched / self.expected if self.expected else 1.0

    @property
    def precision(self) -> float:
        return self.matched / self.found if self.found else 1.0

    @property
    def title_rate(self) -> float:
        return self.exact_titles / self.titled if self.titled else 1.0

    @property
    def author_rate(self) -> float:
        return self.exact_authors / self.with_authors if self.with_authors else 1.0

    def summary(self, name: str, files: int) -> str:
        return (
            f"{name}: {files} emails, {self.expected} papers: recall {self.recall:.3f}, "
            f"precision {self.precision:.3f}, exact titles {self.title_rate:.3f} "
            f"({self.exact_titles}/{self.titled}), weak anchors as title "
            f"{self.weak_titles}/{self.untitled}, authors {self.author_rate:.3f} "
            f"({self.exact_authors}/{self.with_authors})"
        )


def score_fixture(path: Path, score: Score) -> None:
    name = path.relative_to(REAL).as_posix()
    expected = json.loads(path.with_name(path.stem + ".expected.json").read_text())["papers"]
    digest = parse_document(name, path.read_bytes())
    found = {p.arxiv_id or p.id: p for p in digest.papers}
    score.expected += len(expected)
    score.found += len(found)
    wanted = {e["arxiv_id"] for e in expected}
    for key in found.keys() - wanted:
        score.misses.append(f"{name}: extra paper {key} {found[key].title!r}")
    for item in expected:
        paper = found.get(item["arxiv_id"])
        if paper is None:
            score.misses.append(f"{name}: missed {item['arxiv_id']} {item['title']!r}")
            continue
        score.matched += 1
        if item["title"] is None:
            score.untitled += 1
            if paper.title != f"arXiv {item['arxiv_id']}":
                score.weak_titles += 1
                score.misses.append(
                    f"{name}: {item['arxiv_id']} shows no title, got {paper.title!r}"
                )
        else:
            score.titled += 1
            if _same(paper.title) == _same(item["title"]):
                score.exact_titles += 1
            else:
                score.misses.append(f"{name}: title {paper.title!r} != {item['title']!r}")
        if item["authors"]:
            score.with_authors += 1
            if [_same(a) for a in paper.authors or ()] == [_same(a) for a in item["authors"]]:
                score.exact_authors += 1
            else:
                score.misses.append(f"{name}: authors {paper.authors} != {item['authors']}")


def evaluate(split: str) -> tuple[Score, int]:
    score = Score()
    cases = [p for p in fixtures() if split_of(p) == split]
    for path in cases:
        score_fixture(path, score)
    return score, len(cases)


def test_the_set_has_five_publishers_html_and_text_in_both_parts() -> None:
    publishers: dict[str, set[str]] = defaultdict(set)
    for path in fixtures():
        if split_of(path) != "fresh":
            publishers[split_of(path)].add(path.parent.name)
    assert len(publishers["tune"] | publishers["holdout"]) >= 5
    assert len(publishers["holdout"]) >= 4


@pytest.mark.parametrize("split", ["holdout", "fresh"])
def test_holdout_meets_recall_precision_and_title_floors(split: str) -> None:
    score, files = evaluate(split)
    text = score.summary(split, files)
    print(text)
    assert score.recall >= MIN_RECALL, text
    assert score.precision >= MIN_PRECISION, text
    assert score.title_rate >= MIN_EXACT_TITLES, text
    assert score.weak_titles == 0, text


def main(argv: list[str]) -> None:
    for split in ("tune", "holdout", "fresh"):
        score, files = evaluate(split)
        print(score.summary(split, files))
        if split == "tune" or "--show-holdout" in argv:
            for miss in score.misses:
                print("   ", miss)


if __name__ == "__main__":
    main(sys.argv[1:])
