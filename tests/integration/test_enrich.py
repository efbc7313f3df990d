"""Enrichment against a loopback arXiv / Hugging Face API (paper_api_server.py).

Canonical titles replace weak ones, ids go in one batched request, requests are 3 s
apart, the cache stops repeat requests, and a server that is down, hangs, or answers
garbage leaves the email's data after a bounded wait.
"""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mailer.core.models import Paper
from mailer.enrich.arxiv import ArxivClient
from mailer.enrich.enricher import Enricher
from mailer.enrich.huggingface import HuggingFaceClient
from mailer.store import Store

from .conftest import FakeClock
from .paper_api_server import PaperApiServer

pytestmark = pytest.mark.integration

RECORDS: dict[str, dict[str, Any]] = json.loads(
    (Path(__file__).resolve().parent.parent / "data" / "enrich" / "records.json").read_text()
)


@pytest.fixture
def api() -> Iterator[PaperApiServer]:
    server = PaperApiServer(json.loads(json.dumps(RECORDS))).start()
    yield server
    server.stop()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(f"sqlite:///{tmp_path}/state.db")
    yield store
    store.close()


class Now:
    def __init__(self) -> None:
        self.value = datetime(2025, 10, 14, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.value


def make_enricher(
    base_url: str,
    store: Store | None,
    *,
    timeout: float = 3.0,
    now: Now | None = None,
    arxiv: ArxivClient | None = None,
    huggingface: bool = True,
) -> Enricher:
    return Enricher(
        store.canonical_cache() if store else None,
        arxiv=arxiv or ArxivClient(f"{base_url}/api/query", timeout=timeout, min_interval=0.0),
        huggingface=HuggingFaceClient(base_url, timeout=timeout) if huggingface else None,
        timeout=timeout,
        now=now or Now(),
    )


def weak(arxiv_id: str, title: str = "this paper", abstract: str | None = None) -> Paper:
    return Paper(
        id=f"arxiv:{arxiv_id}",
        title=title,
        format="generic",
        abstract=abstract,
        arxiv_id=arxiv_id,
        source="AINews",
    )


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_canonical_titles_replace_weak_ones(api: PaperApiServer, store: Store) -> None:
    papers = [weak("2401.02385", abstract="A small model with big ambitions."), weak("2106.09685")]
    result = make_enricher(api.base_url, store).enrich(papers)
    tiny, lora = result.papers
    assert tiny.title == "TinyLlama: An Open-Source Small Language Model"
    assert tiny.authors == ("Peiyuan Zhang", "Guangtao Zeng", "Tianduo Wang", "Wei Lu")
    assert tiny.abstract is not None
    assert tiny.abstract.startswith("We present TinyLlama")
    assert tiny.summary == "A small model with big ambitions."
    assert tiny.upvotes == 93
    assert tiny.size_params == [1_100_000_000]
    assert tiny.pdf_url == "https://arxiv.org/pdf/2401.02385v1"
    assert lora.title.startswith("LoRA: Low-Rank Adaptation")
    assert result.unavailable == ()


def test_ids_go_in_one_batched_request_with_a_product_user_agent(
    api: PaperApiServer, store: Store
) -> None:
    papers = [weak("2401.02385"), weak("2106.09685"), weak("2404.00376")]
    make_enricher(api.base_url, store).enrich(papers)
    [arxiv] = api.arxiv_requests()
    assert sorted(arxiv.ids) == ["2106.09685", "2401.02385", "2404.00376"]
    assert arxiv.query["max_results"] == ["3"]
    assert all(r.user_agent.startswith("paper-mailer/") for r in api.requests)
    assert len(api.hf_requests()) == 3


def test_requests_are_three_seconds_apart_by_the_clock(api: PaperApiServer) -> None:
    clock = FakeClock()
    client = ArxivClient(api.api_url, timeout=3, max_ids=1, clock=clock, sleep=clock.sleep)
    result = client.fetch(["2401.02385", "2106.09685", "2404.00376"], deadline=clock() + 60)
    assert len(api.arxiv_requests()) == 3
    assert len(result.records) == 3
    assert clock.sleeps == [pytest.approx(3.0), pytest.approx(3.0)]


def test_a_request_that_would_come_too_soon_waits_for_a_later_run(api: PaperApiServer) -> None:
    clock = FakeClock()
    client = ArxivClient(api.api_url, timeout=3, max_ids=1, clock=clock, sleep=clock.sleep)
    result = client.fetch(["2401.02385", "2106.09685"], deadline=clock() + 2)
    assert len(api.arxiv_requests()) == 1
    assert len(result.records) == 1
    assert result.failure is not None
    assert "later run" in result.failure
    assert clock.sleeps == []


def test_two_digests_in_a_row_are_spaced_on_the_wire(api: PaperApiServer, store: Store) -> None:
    client = ArxivClient(api.api_url, timeout=3)  # the real 3 s spacing
    enricher = make_enricher(api.base_url, store, timeout=5, arxiv=client, huggingface=False)
    enricher.enrich([weak("2401.02385")])
    enricher.enrich([weak("2106.09685")])
    first, second = api.arxiv_requests()
    assert second.at - first.at >= 2.95


def test_the_cache_stops_repeat_requests(api: PaperApiServer, store: Store) -> None:
    papers = [weak("2401.02385"), weak("2404.00376"), weak("9999.99999")]  # HF and arXiv 404s
    make_enricher(api.base_url, store).enrich(papers)
    asked = len(api.requests)
    again = make_enricher(api.base_url, store).enrich(papers)  # a new process, same store
    assert len(api.requests) == asked
    assert again.requests == 0
    assert again.papers[0].title.startswith("TinyLlama")
    assert again.papers[2].title == "this paper"  # unknown everywhere: the email's data


def test_upvotes_are_refreshed_after_a_day_and_arxiv_records_are_not(
    api: PaperApiServer, store: Store
) -> None:
    now = Now()
    make_enricher(api.base_url, store, now=now).enrich([weak("2401.02385")])
    api.records["2401.02385"]["upvotes"] = 120
    now.value += timedelta(hours=12)
    half = make_enricher(api.base_url, store, now=now).enrich([weak("2401.02385")])
    assert half.requests == 0
    assert half.papers[0].upvotes == 93
    now.value += timedelta(hours=13)
    day = make_enricher(api.base_url, store, now=now).enrich([weak("2401.02385")])
    assert day.papers[0].upvotes == 120
    assert len(api.arxiv_requests()) == 1
    assert len(api.hf_requests()) == 2


def test_server_down_leaves_the_email_data_quickly(store: Store) -> None:
    base = f"http://127.0.0.1:{closed_port()}"
    started = time.monotonic()
    result = make_enricher(base, store).enrich([weak("2401.02385", "Tiny model")])
    assert time.monotonic() - started < 3.5
    assert result.papers[0].title == "Tiny model"
    assert not result.papers[0].enriched
    assert {line.split(":")[0] for line in result.unavailable} == {"arXiv", "Hugging Face"}


def test_hanging_server_is_given_up_on_at_the_deadline(api: PaperApiServer, store: Store) -> None:
    api.mode = "hang"
    started = time.monotonic()
    result = make_enricher(api.base_url, store, timeout=1.0).enrich([weak("2401.02385", "Tiny")])
    assert time.monotonic() - started < 2.0
    assert result.papers[0].title == "Tiny"
    assert any("no answer within 1 s" in line for line in result.unavailable)
    api.mode = "ok"  # nothing was cached: the next enricher asks again and gets it
    later = make_enricher(api.base_url, store).enrich([weak("2401.02385", "Tiny")])
    assert later.papers[0].title.startswith("TinyLlama")


def test_slow_server_within_the_deadline_still_enriches(api: PaperApiServer, store: Store) -> None:
    api.mode, api.delay = "slow", 0.5
    result = make_enricher(api.base_url, store, timeout=3).enrich([weak("2401.02385")])
    assert result.papers[0].title.startswith("TinyLlama")
    assert result.unavailable == ()


def test_an_api_that_failed_is_left_alone_for_a_while(api: PaperApiServer, store: Store) -> None:
    api.mode = "fail"
    enricher = make_enricher(api.base_url, store)
    first = enricher.enrich([weak("2401.02385")])
    asked = len(api.requests)
    second = enricher.enrich([weak("2106.09685")])
    assert "HTTP 500" in " ".join(first.unavailable)
    assert len(api.requests) == asked  # no request for a minute
    assert any("not asked again" in line for line in second.unavailable)


def test_garbage_answers_are_reported_not_raised(
    api: PaperApiServer, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    api.mode = "garbage"
    result = make_enricher(api.base_url, store).enrich([weak("2401.02385", "Tiny")])
    assert result.papers[0].title == "Tiny"
    text = " ".join(result.unavailable)
    assert "not an Atom feed" in text
    assert "Hugging Face" in text
    assert store.canonical_cache().get("arxiv", ["2401.02385"]) == {}


def test_hostile_records_are_cleaned_or_rejected_with_a_reason(
    api: PaperApiServer, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    api.records["2401.02385"]["title"] = "<script>alert(1)</script><b>Tiny</b>Llama"
    api.records["2401.02385"]["abstract"] = "long " * 210_000  # over 1 MB
    api.records["2106.09685"]["answer_as"] = "2310.06825"  # answers for another paper
    caplog.set_level(logging.WARNING, logger="mailer.enrich")
    result = make_enricher(api.base_url, store).enrich(
        [weak("2401.02385"), weak("2106.09685", "LoRA (email title)")]
    )
    tiny, lora = result.papers
    assert "<" not in tiny.title
    assert "Tiny" in tiny.title
    assert tiny.abstract is not None
    assert len(tiny.abstract) <= 10_000
    assert lora.title == "LoRA (email title)"  # the wrong record is not used
    logged = caplog.text
    assert "markup removed from the title" in logged
    assert "cut to 10,000" in logged
    assert "2310.06825" in logged
    assert "rejected" in logged


def test_an_oversized_answer_is_refused(api: PaperApiServer, store: Store) -> None:
    api.records["2401.02385"]["abstract"] = "x" * 9_000_000
    result = make_enricher(api.base_url, store).enrich([weak("2401.02385", "Tiny")])
    assert result.papers[0].title == "Tiny"
    assert "larger than" in " ".join(result.unavailable) or "too large" in " ".join(
        result.unavailable
    )


def test_many_ids_go_in_requests_of_a_hundred(api: PaperApiServer) -> None:
    ids = [f"2401.{n:05d}" for n in range(150)]
    client = ArxivClient(api.api_url, timeout=3, min_interval=0.0)
    result = client.fetch(ids, deadline=time.monotonic() + 10)
    first, second = api.arxiv_requests()
    assert (len(first.ids), len(second.ids)) == (100, 50)
    assert len(result.unknown) == 150
    assert result.failure is None
