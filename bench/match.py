"""Benchmark: the compiled matcher against a per-rule regex loop, on the same papers.

    python bench/match.py                      # 10,000 rules x 1,000 papers
    python bench/match.py --baseline-papers 1000   # run the slow loop on every paper too

Rules and papers are generated deterministically (fixed seed) from the vocabulary of
the sample abstracts in shared/samples/hf-daily-papers-page.txt: rules draw 1-3 words
or two-word phrases, some with `none`, `size`, `min_upvotes`, `all`, `query`, `authors`
or a regex; papers are real titles with abstracts re-mixed from real sentences, and
their sizes come from the product's size extractor.

Printed, in one run: the compiled matcher on all papers, a 150-paper digest, the
per-rule loop (`mailer.rules.reference`: one regex per rule, then one per term for the
explanation) on `--baseline-papers` papers (extrapolated linearly to all papers when
fewer, and said so), their ratio, a check that both found the same matches, and
`mailer rules test --json` end to end as a subprocess (start-up, YAML loading and
validation of all rules, parsing a text page of all papers, matching, printing).
"""

from __future__ import annotations

import argparse
import itertools
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import _this_checkout  # noqa: F401  (before mailer: this checkout's code)
import yaml

from mailer.core.models import ModelSize, Paper
from mailer.rules import compile_rules, load_rules
from mailer.rules.reference import ReferenceMatcher

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT.parent / "shared" / "samples" / "hf-daily-papers-page.txt"
SEED = 20261126
STOPWORDS = frozenset(
    """this that with from have been were which their these than they them into also more such
    when what while over only most some other each both between through where using used show
    shows can our its the and for are not but all any new two one may via based however across
    without within results approach method methods paper propose proposed model models data
    task tasks performance training large language work first well""".split()  # noqa: SIM905 (a word list reads best as text)
)
SIZES = ["<= 8B", "1B..13B", ">= 70B", "< 3B", {"max": "13B", "unknown": "include"}]
FIRST_NAMES = ("Ada", "Alan", "Grace", "Yann", "Fei-Fei", "Tim", "Furu", "Percy", "Chelsea", "Jo")
LAST_NAMES = (
    "Lovelace",
    "Turing",
    "Hopper",
    "LeCun",
    "Li",
    "Dettmers",
    "Wei",
    "Liang",
    "Finn",
    "Ng",
)
NAMES = [f"{first} {last}" for first in FIRST_NAMES for last in LAST_NAMES]  # 100 authors


def sample_papers(path: Path) -> list[tuple[str, str]]:
    """(title, abstract) pairs of the sample page: a short line, then a long paragraph."""
    blocks = [b.strip() for b in path.read_text(encoding="utf-8").split("\n\n") if b.strip()]
    return [
        (title, abstract)
        for title, abstract in itertools.pairwise(blocks)
        if "\n" not in title and len(title) < 300 and len(abstract) > 300
    ]


def vocabulary(pairs: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """Topic words (in at most 1% of the sample abstracts) and two-word phrases with one:
    people subscribe to topics such as "speculative decoding", not to "efficient"."""
    documents = []
    for title, abstract in pairs:
        tokens = re.findall(r"[A-Za-z][A-Za-z0-9\-]+", f"{title} {abstract}")
        documents.append([t for t in tokens if len(t) >= 4 and t.lower() not in STOPWORDS])
    frequency = Counter(word for doc in documents for word in {t.lower() for t in doc})
    limit = max(1, len(documents) // 100)
    words: set[str] = set()
    bigrams: set[str] = set()
    for doc in documents:
        topical = [t if frequency[t.lower()] <= limit else None for t in doc]
        words.update(t for t in topical if t)
        bigrams.update(
            f"{a} {b}"
            for a, b in itertools.pairwise(doc)
            if frequency[a.lower()] <= limit or frequency[b.lower()] <= limit
        )
    return sorted(words), sorted(bigrams)


def make_rules(
    count: int, words: list[str], bigrams: list[str], rng: random.Random
) -> list[dict[str, Any]]:
    def term() -> str:
        return rng.choice(bigrams) if rng.random() < 0.5 else rng.choice(words)

    rules = []
    for i in range(count):
        match: dict[str, Any] = {}
        roll = rng.random()
        if roll < 0.05:
            match["query"] = f'("{term()}" OR "{term()}") AND NOT "{term()}"'
        elif roll < 0.07:
            match["authors"] = [rng.choice(NAMES)]
        else:
            match["any"] = [term() for _ in range(rng.randint(1, 3))]
            if rng.random() < 0.002:
                match["any"].append(f"/{rng.choice(words).lower()}s?/i")
        if rng.random() < 0.05:
            match["all"] = [term()]
        if rng.random() < 0.25:
            match["none"] = [term()]
        if rng.random() < 0.2:
            match["size"] = rng.choice(SIZES)
        if rng.random() < 0.1:
            match["min_upvotes"] = rng.choice([5, 10, 50, 100])
        rules.append({"name": f"rule-{i:05d}", "match": match, "notify": [{"to": "console"}]})
    return rules


def make_papers(count: int, pairs: list[tuple[str, str]], rng: random.Random) -> list[Paper]:
    from mailer.parse.sizes import extract_sizes

    sentences = [s for _, abstract in pairs for s in re.split(r"(?<=\.)\s+", abstract) if s]
    papers = []
    for j in range(count):
        title = f"{rng.choice(pairs)[0]} ({j})"
        abstract = " ".join(rng.sample(sentences, rng.randint(5, 9)))
        sizes = tuple(extract_sizes(f"{title}\n{abstract}"))
        papers.append(
            Paper(
                id=f"arxiv:2501.{j:05d}",
                title=title,
                abstract=abstract,
                authors=tuple(rng.sample(NAMES, 2)),
                format="hf-daily",
                upvotes=rng.randint(0, 400),
                sizes=tuple(ModelSize(s.params, s.text) for s in sizes),
                source="Daily Papers",
            )
        )
    return papers


def timed(label: str, func: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = func()
    elapsed = time.perf_counter() - start
    print(f"  {label}: {elapsed:.3f} s")
    return elapsed, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rules", type=int, default=10_000)
    parser.add_argument("--papers", type=int, default=1_000)
    parser.add_argument(
        "--baseline-papers",
        type=int,
        default=100,
        help="papers the per-rule loop runs on (then extrapolated)",
    )
    parser.add_argument("--no-e2e", action="store_true", help="skip `mailer rules test`")
    args = parser.parse_args()
    if not SAMPLE.exists():
        sys.exit(f"sample not found: {SAMPLE}")
    rng = random.Random(SEED)
    pairs = sample_papers(SAMPLE)
    words, bigrams = vocabulary(pairs)
    rule_data = make_rules(args.rules, words, bigrams, rng)
    papers = make_papers(args.papers, pairs, rng)
    print(f"{len(pairs)} sample abstracts, vocabulary {len(words)} words + {len(bigrams)} phrases")
    print(
        f"{args.rules} rules x {args.papers} papers (seed {SEED}); rules: 93% any, 5% query, "
        "2% authors; also 5% all, 25% none, 20% size, 10% min_upvotes, 0.2% a regex term"
    )

    with tempfile.TemporaryDirectory() as tmp:
        rules_file = Path(tmp) / "rules.yaml"
        rules_file.write_text(
            yaml.dump({"version": 1, "rules": rule_data}, Dumper=yaml.CSafeDumper), "utf-8"
        )
        _, ruleset = timed(
            "load + validate rules (YAML, schema, terms)", lambda: load_rules([rules_file])
        )
        assert not ruleset.errors, ruleset.errors[:3]
        rules = ruleset.rules
        print("compiled matcher:")
        _, matcher = timed("compile (one automaton)", lambda: compile_rules(rules))
        compiled_time, matches = timed(
            f"match {len(papers)} papers", lambda: matcher.match_all(papers)
        )
        digest = papers[:150]
        runs = []
        for _ in range(5):
            start = time.perf_counter()
            matcher.match_all(digest)
            runs.append(time.perf_counter() - start)
        print(
            f"  150-paper digest: min {min(runs) * 1000:.1f} ms, "
            f"median {statistics.median(runs) * 1000:.1f} ms (5 runs; target < 50 ms)"
        )
        print(f"  {len(matches)} matches, {len(matches) / len(papers):.1f} per paper")

        subset = papers[: args.baseline_papers]
        print(f"per-rule regex loop (reference) on {len(subset)} papers:")
        reference = ReferenceMatcher(rules)
        base_time, base_matches = timed(
            f"match {len(subset)} papers", lambda: reference.match_all(subset)
        )
        same = base_matches == matcher.match_all(subset)
        print(f"  same matches and reasons as the compiled matcher: {same}")
        scale = len(papers) / len(subset)
        base_full = base_time * scale
        if scale != 1:
            print(f"  EXTRAPOLATED linearly x{scale:g} to {len(papers)} papers: {base_full:.1f} s")
        print(
            f"ratio per-rule loop / compiled matcher: {base_full / compiled_time:.0f}x "
            f"(target >= 200x)"
        )

        if not args.no_e2e:
            page = Path(tmp) / "papers.txt"
            page.write_text(
                "\n\n".join(f"{p.title}\n\n{p.abstract}" for p in papers) + "\n", "utf-8"
            )
            command = [
                sys.executable,
                "-m",
                "mailer",
                "rules",
                "test",
                "--rules",
                str(rules_file),
                str(page),
                "--json",
            ]
            start = time.perf_counter()
            done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
            e2e = time.perf_counter() - start
            lines = done.stdout.count("\n")
            print(
                f"end to end: mailer rules test --rules <{args.rules} rules> <page of "
                f"{len(papers)} papers> --json: {e2e:.2f} s, exit {done.returncode}, "
                f"{lines} matches printed (papers parsed from the page: no upvotes, authors)"
            )
            if done.returncode not in (0, 1):
                print(done.stderr[-2000:])
            print(f"ratio per-rule loop / end to end: {base_full / e2e:.0f}x (target >= 100x)")


if __name__ == "__main__":
    main()
