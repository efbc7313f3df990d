"""The arXiv API client: batched `id_list` queries, one request per 3 seconds.

Why `feedparser` and not the `arxiv` package: `arxiv.Client` sleeps and retries on its
own schedule (its delay and retries are not bounded by our deadline) and fetches with
its own session; we need a total wait of a few seconds per digest, our own size cap
and User-Agent, and a pacing clock tests can inject. `feedparser` is the well-kept,
tolerant Atom parser underneath (the `arxiv` package uses it too), so we keep the
parsing it does well and own only the request.

arXiv asks clients to batch ids and wait 3 seconds between requests. An id it does not
know comes back as an error entry or not at all: both count as unknown.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import feedparser

from mailer.core.canonical import CanonicalRecord, bare_id, clean_record
from mailer.core.errors import MailerError
from mailer.enrich.errors import describe_failure
from mailer.enrich.http import http_client

log = logging.getLogger(__name__)

MIN_INTERVAL = 3.0  # seconds between requests, as arXiv asks
MAX_IDS_PER_REQUEST = 100
MAX_RESPONSE_BYTES = 8_000_000  # 100 entries are ~300 KB; room for a few odd ones


class NotInTime(MailerError):
    """The next polite slot for a request comes after the deadline."""


@dataclass(slots=True)
class FetchResult:
    records: list[CanonicalRecord] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    failure: str | None = None  # why some ids got no answer (they are not cached)
    out_of_time: bool = False  # the failure is only the 3 s spacing past the deadline
    requests: int = 0


def _published(entry: Any) -> date | None:
    parsed = entry.get("published_parsed")
    try:
        return date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday) if parsed else None
    except (AttributeError, ValueError):
        return None


def _pdf_url(entry: Any) -> str | None:
    for link in entry.get("links") or ():
        if isinstance(link, dict) and link.get("title") == "pdf":
            href = link.get("href")
            return href.replace("http://", "https://", 1) if isinstance(href, str) else None
    return None


def parse_feed(body: bytes, asked: Sequence[str]) -> tuple[list[CanonicalRecord], list[str]]:
    """Records and unknown ids from an Atom answer for `asked` (bare ids).

    ValueError when the body is not an Atom feed. Entries for ids not asked for, and
    entries with neither title nor abstract, are rejected with a logged reason.
    """
    parsed = feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False)
    if not str(parsed.get("version", "")).startswith("atom"):
        raise ValueError("the answer is not an Atom feed")
    wanted = {i.casefold(): i for i in asked}
    records: dict[str, CanonicalRecord] = {}
    for entry in parsed.entries[: len(asked) + 10]:
        answered = str(entry.get("id", ""))
        got = bare_id(answered)
        if got is None or got.casefold() not in wanted:
            if "api/errors" not in answered:  # an error entry: an id arXiv does not know
                log.warning("arXiv record rejected: id %r was not asked for", answered[:80])
            continue
        cleaned = clean_record(
            "arxiv",
            wanted[got.casefold()],
            answered_id=answered,
            title=entry.get("title"),
            abstract=entry.get("summary"),
            authors=[a.get("name") for a in entry.get("authors") or () if isinstance(a, dict)],
            published=_published(entry),
            pdf_url=_pdf_url(entry),
        )
        for note in cleaned.notes:
            log.warning("arXiv record %s: %s", got, note)
        if cleaned.record is not None:
            records[cleaned.record.arxiv_id] = cleaned.record
    unknown = [i for i in asked if i not in records]
    return list(records.values()), unknown


class ArxivClient:
    """Fetches records for many ids in as few, well-spaced requests as possible."""

    def __init__(
        self,
        api_url: str,
        *,
        timeout: float,
        min_interval: float = MIN_INTERVAL,
        max_ids: int = MAX_IDS_PER_REQUEST,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.api_url = api_url
        self.min_interval = min_interval
        self.max_ids = max_ids
        self._clock = clock
        self._sleep = sleep
        self._client = http_client(timeout=timeout, limit=MAX_RESPONSE_BYTES)
        self._turn = threading.Lock()
        self._last_request: float | None = None

    def close(self) -> None:
        self._client.close()

    def fetch(self, ids: Sequence[str], deadline: float) -> FetchResult:
        """Records for `ids` (bare arXiv ids), batched; stops at the first failure."""
        result = FetchResult()
        for start in range(0, len(ids), self.max_ids):
            batch = list(ids[start : start + self.max_ids])
            try:
                self._wait_turn(deadline)
                result.requests += 1
                records, unknown = parse_feed(self._get(batch), batch)
            except NotInTime:
                result.failure = f"{len(ids) - start} ids left for a later run (3 s spacing)"
                result.out_of_time = True
                break
            except Exception as e:  # noqa: BLE001 bulkhead: any failure of the API is ours to report, not raise
                result.failure = describe_failure(e)
                break
            result.records += records
            result.unknown += unknown
        return result

    def _wait_turn(self, deadline: float) -> None:
        with self._turn:
            now = self._clock()
            if self._last_request is not None:
                ready = self._last_request + self.min_interval
                if ready > deadline:
                    raise NotInTime
                if ready > now:
                    self._sleep(ready - now)
            self._last_request = self._clock()

    def _get(self, batch: list[str]) -> bytes:
        response = self._client.get(
            self.api_url, params={"id_list": ",".join(batch), "max_results": str(len(batch))}
        )
        if response.status_code != 200:
            raise ValueError(f"HTTP {response.status_code}")
        return response.content
