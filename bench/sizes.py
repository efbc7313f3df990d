"""How fast extract_sizes reads abstracts, beside a plain regex scan for numbers in one run.

    python3 bench/sizes.py [--rounds N] [--against CHECKOUT]

The texts are the 174 labeled titles+abstracts over 500 characters of
tests/data/sizes/labeled.jsonl (the fresh split left out), and the 200 titles and summaries
of one of `bench/parse.py`'s 100-paper digests (short texts with several sizes each). The
baseline (`re.findall` of every number) is the cheapest pass any extractor must make, so
the ratio says what the context rules cost on top of it.

`--against` loads the size extractor of another checkout of this project beside this one
(for instance `git worktree add /tmp/before <commit>`), so a change is measured in one run:
the two are interleaved round by round in alternating order, and their CPU time compared
(steadier than wall time on a shared machine).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path

import _this_checkout  # noqa: F401  (before mailer: this checkout's code)

from mailer.parse.sizes import extract_sizes

ROOT = Path(__file__).resolve().parent.parent
LABELED = ROOT / "tests" / "data" / "sizes" / "labeled.jsonl"
_ANY_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")
# The size modules in import order (a checkout may lack the later ones)
_SIZE_MODULES = (
    *("size_words", "size_scan", "size_role_words", "size_role_data_words", "size_role_scope"),
    *("size_role_text", "size_role_clauses", "size_role_tools"),
    *("size_role_cues", "size_role_sides"),
    *("size_role_walk", "size_roles", "size_context", "size_names", "size_mentions", "sizes"),
)


def texts_per_second(texts: list[str], extract: Callable[[str], object], rounds: int) -> float:
    start = time.perf_counter()
    for _ in range(rounds):
        for text in texts:
            extract(text)
    return rounds * len(texts) / (time.perf_counter() - start)


def load_extract_sizes(checkout: Path) -> Callable[[str], object]:
    """`extract_sizes` of another checkout, loaded as a package of its own (`mailer.core.models`
    stays shared) so both versions run in this process."""
    package = "baseline_size_modules"
    sys.modules[package] = types.ModuleType(package)
    for name in _SIZE_MODULES:
        path = checkout / "mailer" / "parse" / f"{name}.py"
        if not path.exists():
            continue
        module = types.ModuleType(f"{package}.{name}")
        module.__file__ = str(path)
        sys.modules[module.__name__] = module
        source = path.read_text().replace("from mailer.parse.", f"from {package}.")
        exec(compile(source, str(path), "exec"), module.__dict__)
    extract: Callable[[str], object] = sys.modules[f"{package}.sizes"].extract_sizes
    return extract


def digest_texts() -> list[str]:
    """The titles and summaries `parse_email` hands to the extractor for one bench digest."""
    sys.path.insert(0, str(ROOT / "bench"))
    from parse import compose_digest, size_texts  # bench/parse.py

    return size_texts(compose_digest(100, 0))


def compare(
    corpora: dict[str, list[str]], contenders: dict[str, Callable[[str], object]], rounds: int
) -> None:
    for corpus, texts in corpora.items():
        cpu = dict.fromkeys(contenders, 0.0)
        for round_number in range(rounds):
            order = list(contenders) if round_number % 2 else list(reversed(contenders))
            for name in order:
                extract = contenders[name]
                start = time.process_time()
                for text in texts:
                    extract(text)
                cpu[name] += time.process_time() - start
        per_text = {name: seconds / (rounds * len(texts)) * 1e6 for name, seconds in cpu.items()}
        mine, theirs = per_text["this checkout"], per_text["--against"]
        print(
            f"{corpus}: this checkout {mine:.0f} us/text, --against {theirs:.0f} us/text CPU; "
            f"this checkout is {theirs / mine:.2f}x as fast"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--against", type=Path, help="another checkout to compare with")
    args = parser.parse_args()
    rows = [json.loads(line) for line in LABELED.read_text().splitlines() if line]
    # The fresh split (added after this benchmark's first figures) is left out so the
    # abstracts measured stay the same from one run to the next.
    texts = [row["text"] for row in rows if row["split"] != "fresh"]
    page = [t for t in texts if len(t) > 500]
    digest = digest_texts()
    if args.against is not None:
        contenders = {"this checkout": extract_sizes, "--against": load_extract_sizes(args.against)}
        corpora = {f"{len(page)} abstracts": page, f"{len(digest)} digest texts": digest}
        compare(corpora, contenders, args.rounds)
        return
    sizes = texts_per_second(page, extract_sizes, args.rounds)
    baseline = texts_per_second(page, _ANY_NUMBER.findall, args.rounds)
    chars = sum(map(len, page)) / len(page)
    print(f"{len(page)} abstracts (mean {chars:.0f} chars), {args.rounds} rounds")
    print(f"extract_sizes:       {sizes:10,.0f} abstracts/s")
    print(
        f"re.findall numbers:  {baseline:10,.0f} abstracts/s  (extract_sizes is {baseline / sizes:.1f}x slower)"
    )
    digest_rate = texts_per_second(digest, extract_sizes, args.rounds)
    print(
        f"extract_sizes on {len(digest)} digest titles and summaries: {digest_rate:10,.0f} texts/s"
    )


if __name__ == "__main__":
    main()
