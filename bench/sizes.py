"""How fast extract_sizes reads abstracts, beside a plain regex scan for numbers in one run.

    python3 bench/sizes.py [--rounds N]

The texts are the 197 labeled titles+abstracts of tests/data/sizes/labeled.jsonl. The
baseline (`re.findall` of every number) is the cheapest pass any extractor must make, so
the ratio says what the context rules cost on top of it.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections.abc import Callable
from pathlib import Path

from mailer.parse.sizes import extract_sizes

LABELED = Path(__file__).resolve().parent.parent / "tests" / "data" / "sizes" / "labeled.jsonl"
_ANY_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")


def texts_per_second(texts: list[str], extract: Callable[[str], object], rounds: int) -> float:
    start = time.perf_counter()
    for _ in range(rounds):
        for text in texts:
            extract(text)
    return rounds * len(texts) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    rounds = parser.parse_args().rounds
    rows = [json.loads(line) for line in LABELED.read_text().splitlines() if line]
    # The fresh split (added after this benchmark's first figures) is left out so the
    # abstracts measured stay the same from one run to the next.
    texts = [row["text"] for row in rows if row["split"] != "fresh"]
    page = [t for t in texts if len(t) > 500]
    sizes = texts_per_second(page, extract_sizes, rounds)
    baseline = texts_per_second(page, _ANY_NUMBER.findall, rounds)
    chars = sum(map(len, page)) / len(page)
    print(f"{len(page)} abstracts (mean {chars:.0f} chars), {rounds} rounds")
    print(f"extract_sizes:       {sizes:10,.0f} abstracts/s")
    print(
        f"re.findall numbers:  {baseline:10,.0f} abstracts/s  (extract_sizes is {baseline / sizes:.1f}x slower)"
    )


if __name__ == "__main__":
    main()
