"""The composed golden fixtures measured against what they were composed from, not against
the parser's own earlier output (which is what test_parse_golden.py pins).

Truth: tests/data/compose_papers.py (titles and authors of the Hugging Face style digests)
and the items written into tests/data/compose.py for the generic newsletters. Exact titles
count every paper the fixture lists; authors count the papers whose authors it shows.

    python3 tests/test_golden_truth.py
"""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

from mailer.parse.inputs import parse_document
from mailer.parse.text import collapse_whitespace

DATA = Path(__file__).resolve().parent / "data"
sys.path.insert(0, str(DATA))
from compose_papers import FWD_PAPERS, HF_PAPERS  # noqa: E402

MIN_EXACT_TITLES = 0.97
MIN_AUTHORS = 0.90

Truth = tuple[str, str, list[str] | None]  # paper id, title, authors shown (None: not shown)


def _hf(papers: list[dict[str, object]]) -> list[Truth]:
    return [(f"arxiv:{p['id']}", str(p["title"]), list(p["authors"])) for p in papers]  # type: ignore[call-overload]


_PULSE = [
    ("arxiv:2401.04088", "Mixtral of Experts"),
    ("openreview:nZeVKeeFYf", "Scaling Data-Constrained Language Models"),
    ("doi:10.1038/s41586-023-06291-2", "Large Language Models Encode Clinical Knowledge"),
    (
        "arxiv:2404.14219",
        "Phi-3 Technical Report: A Highly Capable Language Model Locally on Your Phone",
    ),
]
CASES: dict[str, list[Truth]] = {
    "hf_daily/digest-html-text.eml": _hf(HF_PAPERS),
    "hf_daily/text-only-base64.eml": _hf(HF_PAPERS[:5]),
    "hf_daily/html-only-safelinks.eml": _hf(HF_PAPERS[5:9]),
    "hf_daily/forwarded-gmail.eml": _hf(FWD_PAPERS),
    "hf_daily/forwarded-rfc822.eml": _hf(FWD_PAPERS[:3]),
    "generic/tracking-links.eml": [(key, title, None) for key, title in _PULSE],
    "generic/outlook-forward.eml": [(key, title, None) for key, title in _PULSE[:2]],
    "generic/entities-hero.eml": [
        ("arxiv:2305.14314", "QLoRA: Efficient Finetuning of Quantized LLMs", None),
        ("arxiv:2106.09685", "LoRA: Low-Rank Adaptation of Large Language Models", None),
        (
            "arxiv:2402.14905",
            "MobileLLM: Optimizing Sub\u2011billion Parameter Language Models for On\u2011Device Use Cases",
            None,
        ),
    ],
    "generic/windows-1252.eml": [
        (
            "arxiv:2404.14219",
            "Phi-3 Technical Report: A Highly Capable Language Model Locally on Your Phone",
            None,
        ),
        ("s2", "Café Models: naïve “Baselines” for Français", None),
    ],
}


def _same(text: str | None) -> str:
    return unicodedata.normalize("NFC", collapse_whitespace(text or ""))


def measure() -> tuple[int, int, int, int, list[str]]:
    titles = exact_titles = with_authors = exact_authors = 0
    misses: list[str] = []
    for name, truth in CASES.items():
        digest = parse_document(name, (DATA / name).read_bytes())
        by_id = {f"arxiv:{p.arxiv_id}": p for p in digest.papers if p.arxiv_id}
        for key, title, authors in truth:
            paper = by_id.get(key) or next(
                (p for p in digest.papers if _same(p.title) == _same(title)), None
            )
            titles += 1
            if paper is not None and _same(paper.title) == _same(title):
                exact_titles += 1
            else:
                misses.append(f"{name}: {key} title {paper.title if paper else None!r}")
            if authors is not None:
                with_authors += 1
                found = list(paper.authors or ()) if paper is not None else []
                if [_same(a) for a in found] == [_same(a) for a in authors]:
                    exact_authors += 1
                else:
                    misses.append(f"{name}: {key} authors {found}")
    return titles, exact_titles, with_authors, exact_authors, misses


def test_golden_fixtures_give_the_titles_and_authors_they_were_composed_with() -> None:
    titles, exact_titles, with_authors, exact_authors, misses = measure()
    assert exact_titles / titles >= MIN_EXACT_TITLES, misses
    assert exact_authors / with_authors >= MIN_AUTHORS, misses


if __name__ == "__main__":
    titles, exact_titles, with_authors, exact_authors, misses = measure()
    print(
        f"golden fixtures: exact titles {exact_titles / titles:.3f} ({exact_titles}/{titles}), "
        f"authors {exact_authors / with_authors:.3f} ({exact_authors}/{with_authors})"
    )
    for miss in misses:
        print("   ", miss)
