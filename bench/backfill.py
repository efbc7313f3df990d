"""A backfill: `mailer run --once` over a folder of digests whose papers are all new,
beside parsing the same digests alone, on SQLite and on PostgreSQL, in one run.

    python bench/backfill.py [--digests 300] [--papers 30] [--step 25] [--no-postgres]

What it measures. N distinct Daily-Papers digests (bench/parse.py's `compose_digest`:
new arXiv ids, titles and sizes in every digest) go, a step of 25 at a time, into a
`directory` source, and the real `Pipeline.run_once` path runs over them (the parse
worker process, paper keys, matching, one store transaction per batch of messages
(the next batch parsed meanwhile), the outbox, delivery), against a fresh state database that grows over the run: a SQLite file,
and a fresh schema in the PostgreSQL at MAILER_TEST_POSTGRES_URL. Beside it,
parse-only: `parse_document` on the same bytes in this process, every parser cache
cleared before each digest (the parse worker's work, without its pipe). The
contenders take turns step by step, in rotating order, so a noisy neighbour on a
shared machine slows all of them alike; the spread of the per-step ratios shows how
steady the machine was.

The config is a realistic one: three rules (a keyword with a size bound, a size
range, a boolean query) that raise an alert for about two papers in five (3,603 for
the default 9,000 papers), delivered at once (one message per rule and digest with a
match, about two per digest) to a `file` destination, which renders every batch as
the Slack payload, the email (.eml, .html) and a JSON record and writes them: the
work a Slack or SMTP channel does before its socket. Matches and messages are the
same on both databases (the counts are printed).

Printed: emails/s of each contender, the ratios run/parse-only and PostgreSQL/SQLite
(over the whole run, and per round), and where the run's time went (stage shares,
from timers wrapped around the pipeline's steps: parse (the worker, with its pipe),
match (matching and planning alerts), store (every store call while ingesting),
delivery store (claims, marking sent), render (building the messages) and write
(the files), the rest (the source reading files, logging, metrics)).
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from parse import compose_digest, parse_caches  # noqa: E402

from mailer.config.settings import load_settings  # noqa: E402
from mailer.notify.file import FileChannel  # noqa: E402
from mailer.parse.inputs import parse_document  # noqa: E402
from mailer.runtime.app import Pipeline  # noqa: E402
from mailer.store import Store  # noqa: E402

POSTGRES_URL = os.environ.get(
    "MAILER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
NOW = datetime(2024, 11, 8, 12, 0, tzinfo=UTC)
RULES = [
    {
        "name": "small-lora",
        "description": "LoRA on models of 10B to 15B",
        "match": {"any": ["LoRA"], "size": {"min": "10B", "max": "15B"}},
        "notify": [{"to": "preview"}],
    },
    {
        "name": "big-models",
        "description": "Models of 50B or more",
        "match": {"size": ">= 50B"},
        "notify": [{"to": "preview"}],
    },
    {
        "name": "study-sevens",
        "description": "A boolean query over titles",
        "match": {"query": '("Study 7" OR "Study 17" OR "Study 27") AND adapters'},
        "notify": [{"to": "preview"}],
    },
]

STAGES = ("parse", "match", "store", "delivery store", "render", "write")
TIMES: dict[str, float] = defaultdict(float)
_LOCAL = threading.local()  # per thread (run --once parses ahead in a thread): the stage


def _active() -> list[str]:
    """The stage this thread is timing (an inner timer is not counted twice)."""
    if not hasattr(_LOCAL, "stack"):
        _LOCAL.stack = []
    stack: list[str] = _LOCAL.stack
    return stack


def _timed(stage: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        active = _active()
        if active:
            return function(*args, **kwargs)
        active.append(stage)
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            TIMES[stage] += time.perf_counter() - start
            active.pop()

    return wrapper


@contextmanager
def stage_timers() -> Iterator[None]:
    """Timers around the pipeline's steps (class attributes, put back afterwards)."""
    import mailer.core.planning as planning
    import mailer.runtime.app as app

    patches: list[tuple[Any, str, Any]] = []

    def wrap(owner: Any, name: str, stage: str) -> None:
        original = owner.__dict__[name]
        patches.append((owner, name, original))
        if isinstance(original, staticmethod):
            setattr(owner, name, staticmethod(_timed(stage, original.__func__)))
        else:
            setattr(owner, name, _timed(stage, original))

    wrap(Pipeline, "_parse", "parse")
    wrap(planning, "match_papers", "match")  # the planner's steps (mailer.core.planning)
    wrap(planning, "plan_alerts", "match")
    wrap(app, "without_repeats", "store")
    for name in ("is_processed", "best_copy_papers", "with_known_ids", "record_message"):
        owner = next(c for c in Store.__mro__ if name in c.__dict__)
        wrap(owner, name, "store")
    from mailer.store.ingest import IngestBatch

    wrap(IngestBatch, "__init__", "store")  # a backfill's batch transaction: BEGIN
    wrap(IngestBatch, "commit", "store")
    import mailer.store.quarantine as quarantine

    wrap(quarantine.QuarantineLog, "note", "store")
    for name in ("claim_next_batch", "claim_due_batches", "mark_sent", "renew_claim"):
        holder = next((c for c in Store.__mro__ if name in c.__dict__), None)
        if holder is not None:
            wrap(holder, name, "delivery store")
    wrap(FileChannel, "deliver", "render")  # its file writes are taken out below
    original = FileChannel.__dict__["_write_new"]
    patches.append((FileChannel, "_write_new", original))
    FileChannel._write_new = _timed_nested("write", original)  # type: ignore[method-assign]
    try:
        yield
    finally:
        for owner, name, original in reversed(patches):
            setattr(owner, name, original)


def _timed_nested(stage: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """A timer inside another (file writes inside rendering): its time moves out of the
    outer stage into its own."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent = time.perf_counter() - start
            TIMES[stage] += spent
            active = _active()
            if active:
                TIMES[active[-1]] -= spent

    return wrapper


def write_config(root: Path, state: str) -> Path:
    (root / "rules").mkdir(parents=True)
    (root / "rules" / "rules.yaml").write_text(yaml.safe_dump({"version": 1, "rules": RULES}))
    config = {
        "state": state,
        "rules": str(root / "rules"),
        "sources": [{"name": "backfill", "kind": "directory", "path": str(root / "inbox")}],
        "destinations": {"preview": {"kind": "file", "path": str(root / "out")}},
        "timezone": "UTC",
    }
    path = root / "mailer.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@contextmanager
def postgres_schema() -> Iterator[str]:
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


class Backfill:
    """One contender's site: a state database, a folder source and an open pipeline
    (the store migrated and the parse worker started before any clock runs). Each
    step puts the next slice of the corpus in the folder (the slice before it is
    taken away, as a user moves read mail) and runs `run_once`."""

    def __init__(self, name: str, state: str | None, warm_up: bytes) -> None:
        self.name = name
        self.work = Path(tempfile.mkdtemp(prefix="mailer-backfill-"))
        (self.work / "inbox").mkdir()
        state = state or f"sqlite:///{self.work}/mailer.db"
        settings = load_settings(write_config(self.work, state), {})
        self.pipeline = Pipeline.open(settings, clock=lambda: NOW)
        self.pipeline.parser.parse("document", "warm-up.eml", warm_up)  # start the child
        self.alerts = self.messages = 0

    def step(self, first: int, corpus: list[bytes]) -> float:
        inbox = self.work / "inbox"
        for old in inbox.iterdir():
            old.unlink()
        for n, raw in enumerate(corpus, first):
            (inbox / f"{n:05d}.eml").write_bytes(raw)
        start, cpu = time.perf_counter(), self.cpu()
        summary = self.pipeline.run_once(now=NOW)
        elapsed = time.perf_counter() - start
        CPU[self.name] += self.cpu() - cpu
        assert summary.emails == len(corpus), summary.problems
        assert not summary.problems, summary.problems
        assert not summary.delivery.failed, summary.delivery.errors
        self.alerts += summary.delivery.sent
        self.messages += summary.delivery.messages
        return elapsed

    def cpu(self) -> float:
        """CPU seconds of this process and of its parse worker (not of PostgreSQL)."""
        return time.process_time() + child_cpu(self.pipeline.parser.pid)

    def close(self) -> None:
        self.pipeline.close()
        shutil.rmtree(self.work, ignore_errors=True)


def child_cpu(pid: int | None) -> float:
    """User and system CPU seconds of a child process, from /proc (0 without it)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (OSError, TypeError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


CPU: dict[str, float] = defaultdict(float)


def parse_only(first: int, corpus: list[bytes], clears: list[Callable[[], None]]) -> float:
    start, cpu = time.perf_counter(), time.process_time()
    for n, raw in enumerate(corpus, first):
        for clear in clears:
            clear()
        digest = parse_document(f"{n:05d}.eml", raw)
        assert digest.papers
    CPU["parse-only"] += time.process_time() - cpu
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--digests", type=int, default=300, help="distinct digests")
    parser.add_argument("--papers", type=int, default=30, help="papers per digest")
    parser.add_argument("--step", type=int, default=25, help="digests per run --once")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite and parse-only")
    args = parser.parse_args()
    corpus = [compose_digest(args.papers, issue) for issue in range(args.digests)]
    for raw in corpus[:3]:
        assert len(parse_document("x.eml", raw).papers) == args.papers
    clears = parse_caches()
    with ExitStack() as stack:
        sites = {"sqlite": Backfill("sqlite", None, corpus[0])}
        stack.callback(sites["sqlite"].close)
        if not args.no_postgres:
            url = stack.enter_context(postgres_schema())
            sites["postgresql"] = Backfill("postgresql", url, corpus[0])
            stack.callback(sites["postgresql"].close)
        names = ["parse-only", *sites]
        totals: dict[str, float] = defaultdict(float)
        per_step: dict[str, list[float]] = defaultdict(list)
        shares: dict[str, dict[str, float]] = {n: defaultdict(float) for n in names}
        for number, first in enumerate(range(0, args.digests, args.step)):
            part = corpus[first : first + args.step]
            order = names[number % len(names) :] + names[: number % len(names)]
            for name in order:
                TIMES.clear()
                with stage_timers():
                    if name == "parse-only":
                        elapsed = parse_only(first, part, clears)
                    else:
                        elapsed = sites[name].step(first, part)
                totals[name] += elapsed
                per_step[name].append(elapsed)
                for stage in STAGES:
                    shares[name][stage] += TIMES.get(stage, 0.0)
        counts = {name: (site.alerts, site.messages) for name, site in sites.items()}
    print(
        f"corpus: {args.digests} distinct digests x {args.papers} new papers "
        f"({sum(map(len, corpus)) / len(corpus) / 1024:.0f} KB each); run --once every "
        f"{args.step} digests, the contenders interleaved step by step in rotating order; "
        f"{len(RULES)} rules to a file destination"
    )
    for name in names:
        extra = ""
        if name in counts:
            extra = f"  ({counts[name][0]} alerts delivered in {counts[name][1]} messages)"
        print(f"{name:12s} {args.digests / totals[name]:8.1f} emails/s{extra}")
    base = totals["parse-only"]

    def spread(ratios: list[float]) -> str:
        quartiles = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else ratios * 3
        return f"steps: median {statistics.median(ratios):.2f}, quartiles {quartiles[0]:.2f}-{quartiles[2]:.2f}"

    for name in names[1:]:
        ratios = [r / p for r, p in zip(per_step[name], per_step["parse-only"], strict=True)]
        print(
            f"ratio {name} run --once / parse-only: {totals[name] / base:.2f}x ({spread(ratios)})"
        )
    cpu = ", ".join(f"{n} {CPU[n] / CPU['parse-only']:.2f}x" for n in names[1:])
    print(
        f"CPU time (this process and its parse worker; PostgreSQL's own not counted), "
        f"run --once / parse-only: {cpu}"
    )
    if "postgresql" in totals:
        ratios = [p / s for p, s in zip(per_step["postgresql"], per_step["sqlite"], strict=True)]
        print(
            f"ratio postgresql / sqlite: {totals['postgresql'] / totals['sqlite']:.2f}x "
            f"({spread(ratios)})"
        )
    for name in names[1:]:
        total = totals[name]
        parts = [f"{stage} {shares[name][stage] / total:.0%}" for stage in STAGES]
        rest = 1 - sum(shares[name][stage] for stage in STAGES) / total
        print(f"stage shares, {name}: {', '.join(parts)}, rest {rest:.0%}")
    print(
        "(stages overlap: run --once parses the next batch in a thread while it records "
        "one, so the shares can add up to more than the run and 'rest' go below zero)"
    )


if __name__ == "__main__":
    main()
