"""Parsing cost in instructions (callgrind), beside the standard library's MIME-only parse:
the ratio of `bench/parse.py`, counted instead of timed, so it does not move with the load
of a shared machine.

    python bench/parse_instructions.py [--digests 3]

Needs valgrind. Each contender runs in its own `valgrind --tool=callgrind` process over the
same `bench/parse.py` digests (caches cleared before every parse, as there); a run that does
everything but the measured work is subtracted (start-up, imports, composing the digests).
Slow (a minute or more): for checking a change, not for CI.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]  # this checkout's mailer, bench/parse.py

from parse import compose_digest, mime_only, parse_caches  # noqa: E402

MODES = {
    "mime_only": "the standard library's MIME parse (bench/parse.py's contender)",
    "parse_email": "parse_email",
    "without_sizes": "parse_email without size extraction",
}
_COLLECTED = re.compile(r"Collected : (\d+)")


def run(mode: str, digests: int) -> None:
    """The work of one mode, on `digests` bench digests (what valgrind counts)."""
    import mailer.parse.papers as papers
    from mailer.parse import parse_email

    corpus = [compose_digest(issue=issue) for issue in range(digests)]
    parse_email(corpus[0])  # every module loaded and warm, as in bench/parse.py
    clears = parse_caches()
    if mode == "without_sizes":
        papers._sizes_in = lambda _text: ()  # type: ignore[assignment]
    for raw in corpus:
        for clear in clears:
            clear()
        if mode == "mime_only":
            mime_only(raw)
        elif mode != "none":
            parse_email(raw)


def instructions(mode: str, digests: int) -> int:
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    command += [sys.executable, __file__, "--run", mode, "--digests", str(digests)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    found = _COLLECTED.search(done.stderr)
    if found is None:
        raise SystemExit(f"no instruction count from valgrind for {mode}:\n{done.stderr[-2000:]}")
    return int(found[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--digests", type=int, default=3, help="bench digests per contender")
    parser.add_argument("--run", help=argparse.SUPPRESS)  # inside valgrind: do one mode's work
    args = parser.parse_args()
    if args.run:
        run(args.run, args.digests)
        return
    base = instructions("none", args.digests)
    per_digest = {m: (instructions(m, args.digests) - base) / args.digests for m in MODES}
    for mode, label in MODES.items():
        print(f"{label}: {per_digest[mode] / 1e6:.1f}M instructions per digest")
    mime = per_digest["mime_only"]
    print(
        f"ratio: parse_email takes {per_digest['parse_email'] / mime:.2f}x the instructions of "
        f"the stdlib MIME parse; without size extraction {per_digest['without_sizes'] / mime:.2f}x"
    )


if __name__ == "__main__":
    main()
