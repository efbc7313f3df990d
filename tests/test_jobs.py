"""The service's jobs in-process with an injected clock: fetch outcomes reach health and
status, rule edits reload (a broken one keeps the old rules), silence notices go to
the admin once each way, housekeeping prunes."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from pipeline_kit import Recorder, digest_email, settings_for, write_config
from sqlalchemy import select

from mailer.config.settings import Destination, Settings
from mailer.notify import DeliveryError
from mailer.rules import RuleSet
from mailer.runtime.app import Pipeline
from mailer.runtime.health import FetchBoard
from mailer.runtime.jobs import ServiceJobs
from mailer.runtime.metrics import REGISTRY
from mailer.runtime.status_report import collect_service_status, format_service_status
from mailer.store.schema import messages

TUESDAY_1030 = datetime(2025, 10, 14, 10, 30, tzinfo=UTC)
LLM = ("2510.00001", "Tiny Llamas: a small language model", "We train a language model.")
VISION = ("2510.00002", "Giant Vision", "A vision transformer for images.")
LLM_RULE = {"name": "llm", "match": {"any": ["language model"]}, "notify": [{"to": "team"}]}
VISION_RULE = {"name": "vision", "match": {"any": ["vision"]}, "notify": [{"to": "team"}]}


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class NoticeRecorder(Recorder):
    def __init__(self) -> None:
        super().__init__()
        self.notices: list[tuple[str, str, str]] = []
        self.name = ""

    def __call__(self, name: str, destination: Destination, settings: Settings) -> Recorder:
        channel = _Named(self, name)
        return channel  # type: ignore[return-value]


class _Named:
    def __init__(self, recorder: NoticeRecorder, name: str) -> None:
        self.recorder, self.name = recorder, name

    def deliver(self, batch: object) -> None:
        self.recorder.deliver(batch)  # type: ignore[arg-type]

    def send_notice(self, subject: str, text: str) -> None:
        self.recorder.notices.append((self.name, subject, text))


class SettledJobs(ServiceJobs):
    """The service's jobs, with each fetch and delivery run waited for: delivery runs
    in lanes apart from ingestion, and these tests look at its outcome."""

    def fetch_source(self, name: str) -> None:
        super().fetch_source(name)
        self.wait_idle(time.monotonic() + 30)

    def deliver_due(self) -> None:
        super().deliver_due()
        while self.lanes.busy():
            time.sleep(0.01)


class Kit:
    def __init__(
        self,
        tmp_path: Path,
        rules: Sequence[Mapping[str, object]],
        source: dict[str, object] | None = None,
        **extra: object,
    ) -> None:
        self.root = tmp_path
        config = write_config(tmp_path, rules)
        data = yaml.safe_load(config.read_text())
        data["sources"][0].update(source or {})
        data.update(extra)
        config.write_text(yaml.safe_dump(data))
        self.clock = Clock(TUESDAY_1030)
        self.channels = NoticeRecorder()
        self.pipeline = Pipeline.open(
            settings_for(config), clock=self.clock, channel_factory=self.channels
        )
        self.board = FetchBoard(["samples"])
        self.reloaded: list[RuleSet] = []
        self.jobs = SettledJobs(
            self.pipeline,
            self.board,
            clock=self.clock,
            stopping=threading.Event(),
            on_config_change=lambda settings: None,
            on_rules_change=self.reloaded.append,
        )

    def drop(self, name: str, raw: bytes) -> None:
        (self.root / "inbox" / name).write_bytes(raw)

    def write_rules(self, text: str) -> None:
        path = self.root / "rules" / "rules.yaml"
        path.write_text(text)
        stamp = time.time() + len(self.reloaded) + 5
        os.utime(path, (stamp, stamp))


@pytest.fixture
def kit(tmp_path: Path) -> Kit:
    return Kit(tmp_path, [LLM_RULE])


def test_a_fetch_delivers_and_records_its_outcome(kit: Kit) -> None:
    kit.drop("1.eml", digest_email("d1", kit.clock.now, [LLM, VISION]))
    kit.jobs.fetch_source("samples")
    assert kit.channels.alerts() == [("llm", "team", "arxiv:2510.00001")]
    assert kit.board.get("samples").last_success == kit.clock.now
    report = collect_service_status(kit.pipeline.store.engine, kit.pipeline.settings)
    assert report.to_json()["fetches"]["samples"]["ok"] is True


def test_a_failing_source_is_unhealthy_with_its_reason(kit: Kit) -> None:
    (kit.root / "inbox").rename(kit.root / "gone")
    kit.jobs.fetch_source("samples")
    entry = kit.board.get("samples")
    assert not entry.is_healthy
    assert "samples" in str(entry.error)
    report = collect_service_status(kit.pipeline.store.engine, kit.pipeline.settings)
    fetch = report.fetches["samples"]
    assert fetch is not None
    assert fetch.ok is False
    assert any("FAILED" in line for line in format_service_status(report))


def test_an_edited_rule_file_applies_to_the_next_message(kit: Kit) -> None:
    kit.jobs.check_for_changes()
    assert kit.reloaded == []  # nothing changed yet
    kit.write_rules(yaml.safe_dump({"rules": [LLM_RULE, VISION_RULE]}))
    kit.jobs.check_for_changes()
    assert len(kit.reloaded) == 1
    assert len(kit.reloaded[0].rules) == 2
    kit.drop("1.eml", digest_email("d1", kit.clock.now, [VISION]))
    kit.jobs.fetch_source("samples")
    assert kit.channels.alerts() == [("vision", "team", "arxiv:2510.00002")]


def test_a_broken_rule_file_keeps_the_old_rules_and_shows_the_error(kit: Kit) -> None:
    broken = dict(VISION_RULE, match={"any": ["vision"], "min_upvotes": "lots"})
    kit.write_rules(yaml.safe_dump({"rules": [LLM_RULE, broken]}))
    kit.jobs.check_for_changes()
    assert kit.reloaded == []
    kit.drop("1.eml", digest_email("d1", kit.clock.now, [LLM, VISION]))
    kit.jobs.fetch_source("samples")
    assert kit.channels.alerts() == [("llm", "team", "arxiv:2510.00001")]
    report = collect_service_status(kit.pipeline.store.engine, kit.pipeline.settings)
    assert report.rules is not None
    assert report.rules.ok is False
    assert "min_upvotes" in str(report.rules.detail)
    text = "\n".join(format_service_status(report))
    assert "keeps the previous rules" in text
    assert "rules.yaml:" in text


def test_a_silent_newsletter_is_reported_once_and_its_return_once(tmp_path: Path) -> None:
    expect = {"every": "1d", "by": "10:00", "weekdays_only": True}
    kit = Kit(tmp_path, [LLM_RULE], source={"expect": expect}, admin="console")
    kit.jobs.check_silence()  # Tuesday 10:30: starts watching
    kit.clock.now = TUESDAY_1030 + timedelta(days=1)  # Wednesday 10:30: Tuesday's start counts
    kit.jobs.check_silence()
    assert kit.channels.notices == []
    kit.clock.now = TUESDAY_1030 + timedelta(days=2)  # Thursday 10:30: nothing since Wednesday
    kit.jobs.check_silence()
    kit.jobs.check_silence()
    assert [(n[0], n[1]) for n in kit.channels.notices] == [
        ("console", "paper-mailer: source samples went silent")
    ]
    kit.clock.now += timedelta(hours=1)
    kit.drop("1.eml", digest_email("d1", kit.clock.now, [VISION]))
    kit.jobs.fetch_source("samples")
    kit.jobs.check_silence()
    kit.jobs.check_silence()
    assert [n[1] for n in kit.channels.notices][1:] == ["paper-mailer: source samples resumed"]


def test_a_destination_failing_for_over_an_hour_is_reported(tmp_path: Path) -> None:
    kit = Kit(tmp_path, [LLM_RULE], admin="console")
    kit.channels.failures = [DeliveryError("HTTP 500")] * 20
    kit.drop("1.eml", digest_email("d1", kit.clock.now, [LLM]))
    kit.jobs.fetch_source("samples")
    kit.jobs.check_silence()
    assert kit.channels.notices == []
    kit.clock.now += timedelta(minutes=61)
    kit.jobs.check_silence()
    assert [n[1] for n in kit.channels.notices] == ["paper-mailer: destination team failing"]
    kit.channels.failures = []
    kit.clock.now += timedelta(hours=2)
    kit.jobs.deliver_due()
    kit.jobs.check_silence()
    assert [n[1] for n in kit.channels.notices][1:] == ["paper-mailer: destination team recovered"]


def test_housekeeping_drops_old_raw_copies_but_keeps_the_message(kit: Kit) -> None:
    kit.drop("1.eml", digest_email("d1", kit.clock.now, [LLM]))
    kit.jobs.fetch_source("samples")
    with kit.pipeline.store.engine.connect() as conn:
        assert conn.execute(select(messages.c.raw)).scalar() is not None
    kit.clock.now += timedelta(days=200)
    kit.jobs.housekeeping()
    with kit.pipeline.store.engine.connect() as conn:
        assert conn.execute(select(messages.c.raw)).scalar() is None
    kit.jobs.fetch_source("samples")  # the file is still there: not processed again
    assert len(kit.channels.alerts()) == 1


def test_a_config_saved_in_latin_1_is_shown_as_an_error_and_its_fix_clears_it(kit: Kit) -> None:
    config = kit.pipeline.settings.path
    assert config is not None
    good = config.read_bytes()
    config.write_bytes(good + b"# caf\xe9\n")
    stamp = time.time() + 5
    os.utime(config, (stamp, stamp))
    kit.jobs.check_for_changes()
    report = collect_service_status(kit.pipeline.store.engine, kit.pipeline.settings)
    assert report.config is not None
    assert report.config.ok is False
    assert "cannot read it" in str(report.config.detail)
    config.write_bytes(good)
    os.utime(config, (stamp + 5, stamp + 5))
    kit.jobs.check_for_changes()
    report = collect_service_status(kit.pipeline.store.engine, kit.pipeline.settings)
    assert report.config is not None
    assert report.config.ok is True


def test_fixing_a_broken_rule_file_clears_the_error_in_the_status(kit: Kit) -> None:
    broken = dict(VISION_RULE, match={"any": ["vision"], "min_upvotes": "lots"})
    kit.write_rules(yaml.safe_dump({"rules": [LLM_RULE, broken]}))
    kit.jobs.check_for_changes()
    # /metrics shows it too, for an alert on the edit (/healthz stays 200: old rules run)
    assert REGISTRY.get_sample_value("mailer_reload_ok", {"what": "rules"}) == 0
    kit.write_rules(yaml.safe_dump({"rules": [LLM_RULE, VISION_RULE]}))
    kit.jobs.check_for_changes()
    assert REGISTRY.get_sample_value("mailer_reload_ok", {"what": "rules"}) == 1
    report = collect_service_status(kit.pipeline.store.engine, kit.pipeline.settings)
    assert report.rules is not None
    assert report.rules.ok is True
    assert "keeps the previous rules" not in "\n".join(format_service_status(report))
    assert len(kit.reloaded) == 1
    assert len(kit.reloaded[0].rules) == 2
