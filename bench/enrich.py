"""Enrichment cost: a 100-paper digest parsed alone, parsed and enriched from a warm
cache, and parsed and enriched from a cold cache against the loopback arXiv / Hugging
Face double (tests/integration/paper_api_server.py), side by side in one run.

    python bench/enrich.py [--seconds 3]

Prints digests/s for each, the ratios, and the requests each cold digest made (one
batched arXiv request; Hugging Face has no batch call, so one per paper, 4 at a time).
A warm digest makes none: enrichment adds no per-paper round trip once a paper is known.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from pipeline_kit import digest_email  # noqa: E402

from mailer.enrich.arxiv import ArxivClient  # noqa: E402
from mailer.enrich.enricher import Enricher  # noqa: E402
from mailer.enrich.huggingface import HuggingFaceClient  # noqa: E402
from mailer.parse import parse_email  # noqa: E402
from mailer.store import Store  # noqa: E402
from tests.integration.paper_api_server import PaperApiServer  # noqa: E402

PAPERS = 100


def records() -> dict[str, dict[str, object]]:
    return {
        f"2411.{10000 + n}": {
            "title": f"Efficient Adapters for a {1 + n % 70}B Language Model, Study {n}",
            "abstract": f"We fine-tune a {1 + n % 70}B model with LoRA and distil it. " * 8,
            "authors": ["Ada Lovelace", "Alan Turing", "Grace Hopper"],
            "upvotes": n,
        }
        for n in range(PAPERS)
    }


def rate(step: Callable[[], object], seconds: float) -> float:
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        step()
        count += 1
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    entries = [(aid, "this paper", "A newsletter blurb.") for aid in records()]
    raw = digest_email("bench", datetime(2025, 10, 14, tzinfo=UTC), entries)
    server = PaperApiServer(records()).start()
    work = Path(tempfile.mkdtemp(prefix="bench-enrich-"))
    store = Store.open(f"sqlite:///{work}/state.db")

    def enricher(state: Store) -> Enricher:
        return Enricher(
            state.canonical_cache(),
            arxiv=ArxivClient(server.api_url, timeout=5),
            huggingface=HuggingFaceClient(server.base_url, timeout=5),
            timeout=5,
        )

    try:
        warm = enricher(store)
        started = time.perf_counter()
        cold = warm.enrich(parse_email(raw).papers)
        cold_seconds = time.perf_counter() - started
        assert not cold.unavailable, cold.unavailable
        arxiv_requests, hf_requests = len(server.arxiv_requests()), len(server.hf_requests())
        plain = rate(lambda: parse_email(raw), args.seconds)
        enriched = rate(lambda: warm.enrich(parse_email(raw).papers), args.seconds)
        extra = len(server.requests) - arxiv_requests - hf_requests
    finally:
        store.close()
        server.stop()
    print(f"digest: {PAPERS} papers, text/plain, loopback API")
    print(f"parse only:                 {plain:8.1f} digests/s")
    print(f"parse + enrich, warm cache: {enriched:8.1f} digests/s  ({enriched / plain:.2f}x)")
    print(
        f"parse + enrich, cold cache: {1 / cold_seconds:8.1f} digests/s  "
        f"({1 / cold_seconds / plain:.3f}x): {arxiv_requests} arXiv request(s), "
        f"{hf_requests} Hugging Face requests"
    )
    print(f"requests made by the warm runs: {extra}")


if __name__ == "__main__":
    main()
