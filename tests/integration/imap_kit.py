"""Configs and digests for the IMAP tests: a real Pipeline over a real Dovecot, with the
alerts observed through the channel seam (`pipeline_kit.Recorder`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from pipeline_kit import Recorder, digest_email

from mailer.config.settings import Settings, load_settings
from mailer.core.timings import Timings
from mailer.runtime.app import Pipeline
from mailer.runtime.health import FetchBoard
from mailer.runtime.jobs import ServiceJobs

from .dovecot import PASSWORD, USER, DovecotServer

T0 = datetime(2025, 10, 14, 6, 0, tzinfo=UTC)
RULE = {
    "name": "language-models",
    "match": {"any": ["language model"]},
    "notify": [{"to": "team"}],
}


def paper(n: int) -> tuple[str, str, str]:
    """A distinct paper per n, each matched by RULE."""
    return (f"2510.{n:05d}", f"Paper {n}: a small language model", f"We study model {n}.")


def digest(n: int, *papers: int) -> bytes:
    """Digest number n listing the given papers (default: paper n)."""
    return digest_email(f"d{n}", T0, [paper(p) for p in (papers or (n,))])


def write_imap_config(
    root: Path, server: DovecotServer, *, rules: list[dict[str, Any]] | None = None, **source: Any
) -> Path:
    (root / "rules").mkdir(parents=True, exist_ok=True)
    (root / "rules" / "rules.yaml").write_text(yaml.safe_dump({"rules": rules or [RULE]}))
    imap: dict[str, Any] = {
        "name": "mail",
        "kind": "imap",
        "host": "127.0.0.1",
        "port": server.port,
        "security": "none" if server.tls == "none" else server.tls,
        "username": USER,
        "password_env": "IMAP_PASSWORD",
        "connect_timeout": 5,
        "read_timeout": 10,
    }
    if server.ca_file:
        imap["ca_file"] = str(server.ca_file)
    imap.update(source)
    config = {
        "state": f"sqlite:///{root}/mailer.db",
        "rules": str(root / "rules"),
        "sources": [imap],
        "destinations": {"team": {"kind": "file", "path": str(root / "alerts")}},
    }
    path = root / "mailer.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def imap_settings(root: Path, server: DovecotServer, **source: Any) -> Settings:
    return load_settings(write_imap_config(root, server, **source), {"IMAP_PASSWORD": PASSWORD})


def open_pipeline(settings: Settings) -> tuple[Pipeline, Recorder]:
    recorder = Recorder()
    return Pipeline.open(settings, channel_factory=recorder), recorder


def alerted_papers(recorder: Recorder) -> list[str]:
    return sorted(paper_id for _rule, _dest, paper_id in recorder.alerts())


def service_jobs(pipe: Pipeline) -> ServiceJobs:
    """The jobs a watcher sweeps through, as `mailer watch` and `mailer serve` build them."""
    return ServiceJobs(
        pipe,
        FetchBoard(s.name for s in pipe.settings.sources),
        clock=lambda: datetime.now(UTC),
        stopping=threading.Event(),
        on_config_change=lambda _settings: None,
        on_rules_change=lambda _rules: None,
        timings=Timings.for_tests(),  # the watchers' stop checks and backoff, in tenths
    )


def wait_for(predicate: Callable[[], bool], timeout: float, step: float = 0.02) -> float:
    """Seconds until predicate() held; raises AssertionError after `timeout`."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(step)
    return time.monotonic() - start
