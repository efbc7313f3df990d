"""What the parse budget costs: the shipped sample digests parsed in this process
(`parse_email`) beside the same bytes parsed in the budgeted worker process
(`ParseWorker`: one pipe round trip per email), measured in one run.

    python bench/parse_budget.py [--seconds 3]

Prints emails/s for both and the ratio.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import _this_checkout  # noqa: F401  (before mailer: this checkout's code)

from mailer.parse import parse_email
from mailer.runtime.parse_worker import ParseBudget, ParseWorker

INBOX = Path(__file__).resolve().parent.parent / "examples" / "inbox"


def rate(parse: Callable[[bytes], object], emails: list[bytes], seconds: float) -> float:
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for raw in emails:
            parse(raw)
        done += len(emails)
    return done / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    emails = [p.read_bytes() for p in sorted(INBOX.glob("*.eml"))]
    worker = ParseWorker(ParseBudget())
    try:
        worker.parse("email", "warm-up", emails[0])
        inline = rate(parse_email, emails, args.seconds)
        budgeted = rate(lambda raw: worker.parse("email", "bench", raw), emails, args.seconds)
    finally:
        worker.close()
    print(f"in process:       {inline:8.1f} emails/s")
    print(f"budgeted worker:  {budgeted:8.1f} emails/s")
    print(f"ratio: the worker parses at {budgeted / inline:.2f}x the in-process rate")


if __name__ == "__main__":
    main()
