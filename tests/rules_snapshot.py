"""The loaded and compiled rules of the benchmark's generated files, as text: what
`tests/test_rules_load_same.py` holds loading to. The expectations in
tests/data/rules_load/ were written by the loader before the 100k-rules work of issue
17 part 5 (`python tests/rules_snapshot.py DIR` writes them anew)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from rules_load import DESTINATIONS, write_rules  # noqa: E402

__all__ = ["has_destination", "papers", "snapshot", "write_rules"]

from mailer.core.keys import DestinationRef  # noqa: E402
from mailer.core.models import ModelSize, Paper  # noqa: E402
from mailer.rules import compile_rules, load_rules  # noqa: E402

COUNT = 2_000
TERMS = ["LoRA", "small language models", "on-device inference", "a survey of RLHF", "RAG",
         "mixture-of-experts", "GPT-4", "C++ tool use", "tokenizers", "QLoRA", "Mamba"]  # fmt: skip


def has_destination(ref: DestinationRef) -> bool:
    return ref.to_str() in DESTINATIONS or ref.inline in ("slack", "slack_user", "email")


def papers() -> list[Paper]:
    found = []
    for i, term in enumerate(TERMS):
        other = TERMS[(i * 7 + 3) % len(TERMS)]
        found.append(
            Paper(
                id=f"p{i}",
                title=f"{term} for {other}",
                abstract=f"We study {other} and {TERMS[(i + 5) % len(TERMS)]}; a benchmark.",
                authors=("Ada Lovelace", "Yann LeCun") if i % 3 == 0 else ("Jo Wei",),
                sizes=(ModelSize(params=(i + 1) * 1_000_000_000),) if i % 2 else (),
                upvotes=i * 10 if i % 4 else None,
                format="hf-daily" if i % 2 else "arxiv-listing",
            )
        )
    return found


def snapshot(one_file: bool) -> list[str]:
    """One line per rule (its repr, the folder written as <dir>), then one per match."""
    with tempfile.TemporaryDirectory() as tmp:
        write_rules(Path(tmp), COUNT, one_file=one_file)
        ruleset = load_rules([Path(tmp)], has_destination=has_destination)
        assert not ruleset.errors, [str(e) for e in ruleset.errors[:3]]
        lines = [repr(rule).replace(tmp, "<dir>") for rule in ruleset.rules]
        lines += [f"position {rule.position}".replace(tmp, "<dir>") for rule in ruleset.rules]
        matcher = compile_rules(ruleset.rules)
        lines += [repr(match) for match in matcher.match_all(papers())]
    return lines


if __name__ == "__main__":
    import gzip

    for layout, one_file in (("files", False), ("one-file", True)):
        text = "\n".join(snapshot(one_file)) + "\n"
        path = Path(sys.argv[1]) / f"snapshot-{layout}.txt.gz"
        path.write_bytes(gzip.compress(text.encode("utf-8"), 9, mtime=0))
