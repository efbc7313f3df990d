"""Benchmark: the rules page's live preview over 10,000 stored papers.

    python bench/web_preview.py                 # 10,000 papers, SQLite
    python bench/web_preview.py --papers 50000

Papers are the ones parsed from examples/inbox, repeated under new ids (title and
abstract kept, so the rules match as often as on real digests), stored by the real
store in a fresh SQLite file, seen over the last 6 days. Printed, in one run: reading
and decoding the papers of the last 7 days, matching the shipped rules (team.yaml)
once, the whole preview of an edit of one rule (check, match the edit, match the
saved rules that differ, compare), and `POST /api/preview` (the first one, which
decodes the papers, then the next ones, as while typing) and `GET /api/papers?q=LoRA`
through the ASGI app: medians of several runs, and shares of the one-second budget.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from mailer.config.settings import load_settings  # noqa: E402
from mailer.core.models import Paper  # noqa: E402
from mailer.parse import parse_email  # noqa: E402
from mailer.rules import load_rules  # noqa: E402
from mailer.store import MessageRecord, Store  # noqa: E402
from mailer.store.codec import paper_from_json  # noqa: E402
from mailer.web.preview import match_papers, preview  # noqa: E402

RUNS = 5


def sample_papers() -> list[Paper]:
    found: dict[str, Paper] = {}
    for path in sorted((ROOT / "examples" / "inbox").glob("*.eml")):
        for paper in parse_email(path.read_bytes()).papers:
            found[paper.id] = paper
    return list(found.values())


def fill(store: Store, count: int, now: datetime) -> None:
    base = sample_papers()
    batch: list[Paper] = []
    for i in range(count):
        p = base[i % len(base)]
        batch.append(replace(p, id=f"arxiv:9{i:08d}", title=f"{p.title} #{i}", arxiv_id=None))
        if len(batch) == 500 or i == count - 1:
            at = now - timedelta(hours=(i * 144) // count)
            record = MessageRecord("bench", "INBOX", 1, str(i), "parsed", at, message_id=f"<{i}@b>")
            store.record_message(record, batch, [])
            batch = []


def median_seconds(action: Callable[[], object]) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=10_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mailer-bench-web-"))
    try:
        shutil.copytree(ROOT / "rules", work / "rules")
        (work / "mailer.yaml").write_text(
            f"state: sqlite:///{work}/mailer.db\nrules: [{work}/rules]\n"
            "destinations:\n  console: {kind: console}\n  preview: {kind: console}\n"
        )
        settings = load_settings(work / "mailer.yaml", {})
        now = datetime.now(UTC)
        store = Store.open(settings.state)
        started = time.perf_counter()
        fill(store, args.papers, now)
        print(f"stored {args.papers:,} papers in {time.perf_counter() - started:.1f} s")

        team = work / "rules" / "team.yaml"
        text = team.read_text()
        edited = text.replace("- name: lora-under-13b", "- name: lora-any-size")
        saved = load_rules([team], has_destination=settings.has_destination).rules
        others = [work / "rules" / "alice.yaml"]
        since = now - timedelta(days=7)
        papers = [paper_from_json(t) for t in store.recent_paper_texts(since)]

        matches = match_papers(saved, papers)
        result = preview(edited, "team.yaml", papers, saved=saved, other_files=others)
        assert not result.errors
        assert result.added
        assert result.dropped

        from starlette.testclient import TestClient
        from web_kit import client_for

        client: TestClient
        rows: list[tuple[str, float]] = [
            (
                "read and decode the papers of 7 days",
                median_seconds(
                    lambda: [paper_from_json(t) for t in store.recent_paper_texts(since)]
                ),
            ),
            ("match team.yaml once", median_seconds(lambda: match_papers(saved, papers))),
            (
                "preview an edit (check, match edit + saved, compare)",
                median_seconds(
                    lambda: preview(edited, "team.yaml", papers, saved=saved, other_files=others)
                ),
            ),
        ]
        for client in client_for(settings):
            body = {"yaml": edited, "days": 7, "file": "team.yaml"}
            started = time.perf_counter()
            reply = client.post("/api/preview", json=body)
            first = time.perf_counter() - started
            assert reply.status_code == 200
            assert reply.json()["papers"] == len(papers)
            rows.append(("POST /api/preview, first (decodes the papers)", first))
            rows.append(
                (
                    "POST /api/preview, next edits (papers kept decoded)",
                    median_seconds(partial(client.post, "/api/preview", json=body)),
                )
            )
            rows.append(
                (
                    "GET /api/papers?q=LoRA (FTS5, 50 shown)",
                    median_seconds(partial(client.get, "/api/papers", params={"q": "LoRA"})),
                )
            )
        store.close()
        print(
            f"{len(papers):,} papers in the window, {len(matches):,} matches of team.yaml, "
            f"edit: +{len(result.added)} -{len(result.dropped)}; median of {RUNS} runs:"
        )
        for label, seconds in rows:
            print(f"  {label:55} {seconds * 1000:8.1f} ms  {seconds:6.0%} of 1 s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
