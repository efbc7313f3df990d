"""Give each paper its canonical record, within a bounded wait, never blocking delivery.

`Enricher.enrich(papers)` looks the papers' arXiv ids up in the store's cache, asks
arXiv (one batched request per 100 ids, 3 s apart) and Hugging Face (a few requests at
once) for the ids it lacks or that went stale, waits for the answers at most
`timeout_seconds` in all, caches what came back (an unknown id too), and merges the
records into the papers (`mailer.core.canonical.merge_canonical`). What did not come back in
time keeps the email's data and is named in `EnrichResult.unavailable`; the paper is
asked for again the next time a digest lists it.

Freshness: an arXiv record is kept 30 days, Hugging Face's (for its upvotes) a day;
an unknown id is asked for again after a day. After a failure an API is left alone
for a minute, so a run over many digests does not wait on a dead API for each one.
Papers from an arXiv listing are not looked up: the listing is arXiv's own record.
The requests run in daemon threads: a hanging server can delay nothing past the
deadline, and its threads end with their own socket timeouts.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from mailer.core.canonical import CanonicalRecord, Origin, bare_id, merge_canonical
from mailer.core.clock import utc_now
from mailer.core.models import Paper
from mailer.enrich.errors import UnknownPaper, describe_failure
from mailer.runtime import metrics

if TYPE_CHECKING:  # the clients load HTTP libraries: imported only when built
    from mailer.enrich.arxiv import ArxivClient
    from mailer.enrich.huggingface import HuggingFaceClient
    from mailer.store.canonical import CachedRecord, CanonicalCache

log = logging.getLogger(__name__)

FRESH_FOR: dict[Origin, timedelta] = {"arxiv": timedelta(days=30), "huggingface": timedelta(days=1)}
UNKNOWN_FOR = timedelta(days=1)
PAUSE_AFTER_FAILURE = 60.0  # seconds an API is left alone after it failed
HF_WORKERS = 4
LABELS: dict[Origin, str] = {"arxiv": "arXiv", "huggingface": "Hugging Face"}


@dataclass(frozen=True, slots=True)
class EnrichResult:
    papers: tuple[Paper, ...]
    unavailable: tuple[str, ...] = ()  # "arXiv: timed out", one line per API that failed
    requests: int = 0  # HTTP requests made for this call


@dataclass(slots=True)
class _Fetched:
    records: dict[str, CanonicalRecord] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    failure: str | None = None
    out_of_time: bool = False  # the failure is only that time ran out: no pause after it
    requests: int = 0
    done: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Enricher:
    def __init__(
        self,
        cache: CanonicalCache | None,
        *,
        arxiv: ArxivClient | None,
        huggingface: HuggingFaceClient | None,
        timeout: float,
        now: Callable[[], datetime] = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cache = cache
        self.arxiv = arxiv
        self.huggingface = huggingface
        self.timeout = timeout
        self._now = now
        self._monotonic = monotonic
        self._paused_until: dict[Origin, float] = {}

    def close(self) -> None:
        if self.arxiv is not None:
            self.arxiv.close()

    def enrich(self, papers: Sequence[Paper]) -> EnrichResult:
        wanted = sorted(
            {
                bare
                for p in papers
                if p.arxiv_id and p.format != "arxiv-listing" and (bare := bare_id(p.arxiv_id))
            }
        )
        if not wanted:
            return EnrichResult(tuple(papers))
        now = self._now()
        origins: list[Origin] = []
        if self.arxiv is not None:
            origins.append("arxiv")
        if self.huggingface is not None:
            origins.append("huggingface")
        known: dict[Origin, dict[str, CanonicalRecord]] = {o: {} for o in origins}
        missing: dict[Origin, list[str]] = {}
        for origin in origins:
            cached = self.cache.get(origin, wanted) if self.cache else {}
            missing[origin] = [i for i in wanted if not self._is_fresh(cached.get(i), now)]
            for arxiv_id, row in cached.items():
                if row.record is not None:  # a stale record beats none if the API fails
                    known[origin][arxiv_id] = row.record
        fetched = self._fetch(missing)
        unavailable = []
        for origin, answer in fetched.items():
            metrics.ENRICH_REQUESTS.labels(api=origin).inc(answer.requests)
            if answer.failure:
                metrics.ENRICH_UNAVAILABLE.labels(api=origin).inc()
            known[origin].update(answer.records)
            if self.cache is not None and (answer.records or answer.unknown):
                try:  # the records are used either way; only the next lookup pays
                    self.cache.put(origin, now, list(answer.records.values()), answer.unknown)
                except Exception:
                    log.exception("could not cache %s records", LABELS[origin])
            if answer.failure:
                unavailable.append(f"{LABELS[origin]}: {answer.failure}")
        enriched = tuple(
            merge_canonical(p, self._records_for(p, known)) if p.format != "arxiv-listing" else p
            for p in papers
        )
        requests = sum(a.requests for a in fetched.values())
        return EnrichResult(enriched, tuple(unavailable), requests)

    @staticmethod
    def _records_for(
        paper: Paper, known: dict[Origin, dict[str, CanonicalRecord]]
    ) -> list[CanonicalRecord]:
        bare = bare_id(paper.arxiv_id) if paper.arxiv_id else None
        if bare is None:
            return []
        found = (known.get(origin, {}).get(bare) for origin in LABELS)  # arXiv's first
        return [record for record in found if record is not None]

    @staticmethod
    def _is_fresh(row: CachedRecord | None, now: datetime) -> bool:
        if row is None:
            return False
        age = now - row.fetched_at
        return age < (FRESH_FOR[row.origin] if row.record is not None else UNKNOWN_FOR)

    # -- fetching within the deadline ------------------------------------------------

    def _fetch(self, missing: dict[Origin, list[str]]) -> dict[Origin, _Fetched]:
        deadline = self._monotonic() + self.timeout
        answers: dict[Origin, _Fetched] = {}
        for origin, ids in missing.items():
            if not ids:
                continue
            answer = answers[origin] = _Fetched()
            paused = self._paused_until.get(origin, 0.0) - self._monotonic()
            if paused > 0:
                answer.failure = f"failed a moment ago; not asked again for {paused:.0f} s"
                answer.out_of_time = True  # the pause is running already
                answer.done.set()
            elif origin == "arxiv":
                self._start(self._fetch_arxiv, answer, ids, deadline)
            else:
                self._start(self._fetch_huggingface, answer, ids, deadline)
        for origin, answer in answers.items():
            if not answer.done.wait(max(deadline - self._monotonic(), 0.0)):
                answer = answers[origin] = self._snapshot(answer)
                answer.failure = answer.failure or f"no answer within {self.timeout:g} s"
            if answer.failure:
                if not answer.out_of_time:
                    self._paused_until[origin] = self._monotonic() + PAUSE_AFTER_FAILURE
                log.warning("%s unavailable: %s", LABELS[origin], answer.failure)
        return answers

    @staticmethod
    def _snapshot(answer: _Fetched) -> _Fetched:
        """What had arrived by the deadline; the late threads write only to the original."""
        with answer.lock:
            return _Fetched(
                dict(answer.records), list(answer.unknown), answer.failure, requests=answer.requests
            )

    @staticmethod
    def _start(
        target: Callable[[_Fetched, list[str], float], None],
        answer: _Fetched,
        ids: list[str],
        deadline: float,
    ) -> None:
        def run() -> None:
            try:
                target(answer, ids, deadline)
            except Exception as e:  # a bug or a hostile answer must not escape a thread
                with answer.lock:
                    answer.failure = describe_failure(e)
                log.exception("enrichment failed")
            finally:
                answer.done.set()

        threading.Thread(target=run, name="mailer-enrich", daemon=True).start()

    def _fetch_arxiv(self, answer: _Fetched, ids: list[str], deadline: float) -> None:
        assert self.arxiv is not None
        result = self.arxiv.fetch(ids, deadline)
        with answer.lock:
            answer.records.update({r.arxiv_id: r for r in result.records})
            answer.unknown.extend(result.unknown)
            answer.requests = result.requests
            answer.failure = result.failure
            answer.out_of_time = result.out_of_time

    def _fetch_huggingface(self, answer: _Fetched, ids: list[str], deadline: float) -> None:
        assert self.huggingface is not None
        client = self.huggingface
        todo: queue.SimpleQueue[str] = queue.SimpleQueue()
        for arxiv_id in ids:
            todo.put(arxiv_id)
        lock = answer.lock

        def work() -> None:
            while self._monotonic() < deadline:
                try:
                    arxiv_id = todo.get_nowait()
                except queue.Empty:
                    return
                with lock:
                    answer.requests += 1
                try:
                    cleaned = client.fetch_one(arxiv_id)
                except UnknownPaper:
                    with lock:
                        answer.unknown.append(arxiv_id)
                    continue
                except Exception as e:  # noqa: BLE001 bulkhead: enrichment never blocks delivery: any failure is noted
                    with lock:
                        answer.failure = answer.failure or describe_failure(e)
                    continue
                for note in cleaned.notes:
                    log.warning("Hugging Face record %s: %s", arxiv_id, note)
                if cleaned.record is not None:
                    with lock:
                        answer.records[arxiv_id] = cleaned.record

        workers = [
            threading.Thread(target=work, name="mailer-enrich-hf", daemon=True)
            for _ in range(min(HF_WORKERS, len(ids)))
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(max(deadline - self._monotonic(), 0.0))
        left = todo.qsize()
        if left and not any(worker.is_alive() for worker in workers):
            with lock:
                if answer.failure is None:
                    answer.failure = f"{left} ids left for a later run (no time left)"
                    answer.out_of_time = True
