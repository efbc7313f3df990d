"""Enrichment inside a run: alerts carry canonical records and the newsletter's words,
a dead API never holds delivery back, and a paper enriched later is not alerted again.
Also `mailer parse --enrich` and `mailer run --once` as a user runs them."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from pipeline_kit import Recorder, digest_email, settings_for, write_config
from sqlalchemy import select

from mailer.cli import cli
from mailer.notify.render import render_email, render_slack
from mailer.runtime.app import Pipeline
from mailer.store import Store
from mailer.store.schema import papers

from .paper_api_server import PaperApiServer
from .test_enrich import RECORDS

pytestmark = pytest.mark.integration

T0 = datetime(2025, 10, 14, 6, 0, tzinfo=UTC)
# The newsletter links LoRA with a weak title and its own blurb: only the canonical
# record says "Low-Rank Adaptation" and "7B".
LORA = ("2106.09685", "this paper", "A neat trick everyone uses to fine-tune cheaply.")
TINY = ("2401.02385", "TinyLlama", "Small but mighty.")
ADAPTATION = {
    "name": "adaptation",
    "match": {"any": ["low-rank adaptation"]},
    "notify": [{"to": "team"}],
}
SMALL = {"name": "small", "match": {"any": ["tinyllama"]}, "notify": [{"to": "team"}]}


@pytest.fixture
def api() -> Iterator[PaperApiServer]:
    server = PaperApiServer(json.loads(json.dumps(RECORDS))).start()
    yield server
    server.stop()


def closed_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def configure(tmp_path: Path, rules: Sequence[Mapping[str, object]], base_url: str) -> Path:
    path = write_config(tmp_path, rules)
    config = yaml.safe_load(path.read_text())
    config["enrich"] = {
        "arxiv": {"api_url": f"{base_url}/api/query"},
        "huggingface": {"endpoint": base_url},
        "timeout_seconds": 2,
    }
    path.write_text(yaml.safe_dump(config))
    return path


def open_pipeline(path: Path) -> tuple[Pipeline, Recorder]:
    recorder = Recorder()
    return Pipeline.open(settings_for(path), channel_factory=recorder, clock=lambda: T0), recorder


def drop(tmp_path: Path, name: str, raw: bytes) -> None:
    (tmp_path / "inbox" / name).write_bytes(raw)


def test_alerts_carry_the_canonical_record_and_the_newsletter_summary(
    tmp_path: Path, api: PaperApiServer
) -> None:
    pipe, recorder = open_pipeline(configure(tmp_path, [ADAPTATION], api.base_url))
    drop(tmp_path, "1.eml", digest_email("d1", T0, [LORA, TINY]))
    summary = pipe.run_once(now=T0)
    pipe.close()
    assert summary.matches == 1
    assert "enrichment" not in str(summary)
    [batch] = recorder.batches
    paper = batch.items[0].paper
    assert paper.title == "LoRA: Low-Rank Adaptation of Large Language Models"
    assert paper.authors == tuple(RECORDS["2106.09685"]["authors"])
    assert paper.size_params == [7_000_000_000]  # sizes read from the enriched abstract


def test_the_newsletter_blurb_is_shown_as_what_it_says(
    tmp_path: Path, api: PaperApiServer, data_dir: Path
) -> None:
    pipe, recorder = open_pipeline(configure(tmp_path, [ADAPTATION], api.base_url))
    drop(tmp_path, "1.eml", (data_dir / "generic" / "entities-hero.eml").read_bytes())
    pipe.run_once(now=T0)
    pipe.close()
    [batch] = recorder.batches
    paper = batch.items[0].paper
    assert paper.abstract == RECORDS["2106.09685"]["abstract"]
    assert paper.summary is not None
    assert paper.summary.startswith("The paper that started")
    slack = json.dumps(render_slack(batch), ensure_ascii=False)
    email = render_email(batch)
    assert "_This week: LoRA &amp; friends says:_ The paper that started" in slack
    assert "This week: LoRA & friends says: The paper that started" in email.text
    assert "friends says:</em> The paper that started" in email.html


def test_with_the_api_down_alerts_go_with_the_email_data_and_the_run_says_so(
    tmp_path: Path,
) -> None:
    pipe, recorder = open_pipeline(configure(tmp_path, [SMALL], closed_url()))
    drop(tmp_path, "1.eml", digest_email("d1", T0, [LORA, TINY]))
    started = time.monotonic()
    summary = pipe.run_once(now=T0)
    pipe.close()
    assert time.monotonic() - started < 5
    assert summary.delivery.sent == 1
    assert summary.failed == 0
    assert recorder.batches[0].items[0].paper.title == "TinyLlama"
    assert "enrichment unavailable for 1 email" in str(summary)
    assert "arXiv: cannot connect" in str(summary)


def test_a_paper_enriched_later_is_not_alerted_again(tmp_path: Path, api: PaperApiServer) -> None:
    api.mode = "hang"
    path = configure(tmp_path, [SMALL], api.base_url)
    pipe, recorder = open_pipeline(path)
    drop(tmp_path, "1.eml", digest_email("d1", T0, [TINY]))
    first = pipe.run_once(now=T0)
    pipe.close()
    assert first.delivery.sent == 1
    assert "enrichment unavailable" in str(first)
    api.mode = "ok"
    pipe, recorder = open_pipeline(path)  # a later run, the API back
    drop(tmp_path, "2.eml", digest_email("d2", T0, [TINY]))
    later = pipe.run_once(now=T0 + timedelta(hours=1))
    pipe.close()
    assert later.matches == 1
    assert later.delivery.sent == 0
    assert recorder.batches == []
    store = Store.open(settings_for(path).state)
    with store.engine.connect() as conn:
        title, data = conn.execute(
            select(papers.c.title, papers.c.data).where(papers.c.id == "arxiv:2401.02385")
        ).one()
    store.close()
    assert title.startswith("TinyLlama: An Open-Source")  # the stored paper took the record
    assert json.loads(data)["enriched"] == ["arxiv", "huggingface"]


def test_parse_enrich_shows_the_canonical_records(tmp_path: Path, api: PaperApiServer) -> None:
    path = configure(tmp_path, [SMALL], api.base_url)
    drop(tmp_path, "1.eml", digest_email("d1", T0, [LORA]))
    result = CliRunner().invoke(
        cli, ["parse", str(tmp_path / "inbox"), "--enrich", "--json", "--config", str(path)]
    )
    assert result.exit_code == 0, result.output
    [line] = [json.loads(x) for x in result.stdout.splitlines()]
    assert line["title"].startswith("LoRA: Low-Rank Adaptation")
    assert line["abstract"] == RECORDS["2106.09685"]["abstract"]
    assert line["enriched"] == ["arxiv", "huggingface"]
    plain = CliRunner().invoke(cli, ["parse", str(tmp_path / "inbox"), "--json"])
    # without enrichment the weak anchor "this paper" is never a title: the id stands in
    assert json.loads(plain.stdout.splitlines()[0])["title"] == "arXiv 2106.09685"


def test_run_once_with_the_api_down_exits_0_in_bounded_time(tmp_path: Path) -> None:
    path = configure(tmp_path, [SMALL], closed_url())
    drop(tmp_path, "1.eml", digest_email("d1", T0, [TINY]))
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "mailer", "run", "--once", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started < 20
    assert "enrichment unavailable for 1 email" in done.stdout


def test_the_shipped_config_stays_offline_and_loads_no_http_client() -> None:
    """The quick start (`mailer run --once` on config/mailer.yaml) has no `enrich:`, and
    importing the pipeline does not load the HTTP clients."""
    root = Path(__file__).resolve().parents[2]
    assert settings_for(root / "config" / "mailer.yaml").enrich is None
    code = "import sys, mailer.runtime.app; print(sorted({'huggingface_hub', 'feedparser', 'httpx2'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
