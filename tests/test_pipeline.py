"""The pipeline end to end in-process: exactly once, bad input, daily feeds, dry runs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pipeline_kit import Recorder, digest_email, settings_for, write_config
from sqlalchemy import text
from store_backends import state_url  # noqa: F401  (the parametrized fixture)

from mailer.config.settings import Destination, Settings
from mailer.core.keys import BatchKey
from mailer.core.models import AlertBatch, OutboxState
from mailer.notify import DeliveryError
from mailer.runtime import metrics
from mailer.runtime.app import Pipeline
from mailer.sources import IncomingMessage
from mailer.store import Store

T0 = datetime(2025, 10, 14, 6, 0, tzinfo=UTC)  # 08:00 in Paris
LLM = ("2510.00001", "Tiny Llamas: a small language model at 1B", "We train a 1B language model.")
VISION = ("2510.00002", "Giant Vision", "A vision transformer for images.")
OTHER = ("2510.00003", "Protein language model at scale", "Folding proteins with language models.")

SMALL_LLMS = {
    "name": "small-llms",
    "match": {"any": ["language model"]},
    "notify": [{"to": "console"}, {"to": "team"}],
}


def pipeline(
    tmp_path: Path, rules: Sequence[Mapping[str, object]], **config: object
) -> tuple[Pipeline, Recorder]:
    recorder = Recorder()
    settings = settings_for(write_config(tmp_path, rules, **config))  # type: ignore[arg-type]
    return Pipeline.open(settings, channel_factory=recorder, clock=lambda: T0), recorder


def drop(tmp_path: Path, name: str, raw: bytes) -> None:
    (tmp_path / "inbox" / name).write_bytes(raw)


def test_a_run_delivers_matches_and_a_second_run_sends_nothing_new(tmp_path: Path) -> None:
    pipe, recorder = pipeline(tmp_path, [SMALL_LLMS])
    drop(tmp_path, "1.eml", digest_email("d1", T0, [LLM, VISION, OTHER]))
    first = pipe.run_once(now=T0)
    assert (first.emails, first.papers, first.matches) == (1, 3, 2)
    assert first.delivery.sent == 4
    assert first.delivery.messages == 2
    assert str(first).startswith("1 emails, 3 papers, 2 matches, 4 alerts sent, 0 retrying, 0 dead")
    second = pipe.run_once(now=T0 + timedelta(minutes=5))
    assert (second.emails, second.delivery.sent) == (0, 0)
    assert "nothing new" in str(second)
    assert len(recorder.batches) == 2
    pipe.close()


def test_a_paper_from_two_digests_alerts_once_per_rule_and_destination(tmp_path: Path) -> None:
    pipe, recorder = pipeline(tmp_path, [SMALL_LLMS])
    drop(tmp_path, "1.eml", digest_email("d1", T0, [LLM]))
    drop(tmp_path, "2.eml", digest_email("d2", T0, [OTHER, LLM]))
    summary = pipe.run_once(now=T0)
    assert summary.matches == 3
    assert summary.delivery.sent == 4
    assert sorted(recorder.alerts()) == sorted(
        [
            (r, d, f"arxiv:{p[0]}")
            for r in ["small-llms"]
            for d in ["console", "team"]
            for p in [LLM, OTHER]
        ]
    )
    drop(tmp_path, "3.eml", digest_email("d3", T0, [LLM]))  # it returns the next day
    assert pipe.run_once(now=T0 + timedelta(days=1)).delivery.sent == 0
    pipe.close()


def test_a_failed_parse_is_recorded_and_the_run_goes_on(tmp_path: Path) -> None:
    pipe, _recorder = pipeline(tmp_path, [SMALL_LLMS])
    drop(tmp_path, "0-empty.txt", b"")
    drop(tmp_path, "1.eml", digest_email("d1", T0, [LLM]))
    summary = pipe.run_once(now=T0)
    assert summary.emails == 2
    assert summary.delivery.sent == 2
    assert summary.failed == 1
    assert "samples/0-empty.txt: failed: no title/abstract pairs" in str(summary)
    [problem] = pipe.store.recent_problems()
    assert problem.uid == "0-empty.txt"
    assert problem.status == "failed"
    assert pipe.run_once(now=T0).emails == 0  # recorded: not retried on every run
    pipe.close()


def test_a_message_the_store_refuses_is_reported_in_one_line_and_tried_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipe, recorder = pipeline(tmp_path, [SMALL_LLMS])
    drop(tmp_path, "1.eml", digest_email("d1", T0, [LLM]))
    real_record = pipe.store.record_message

    def refuse(*args: object, **kwargs: object) -> int:
        with pipe.store.engine.connect() as conn:  # a real driver error, SQL and all
            conn.execute(text("INSERT INTO no_such_table VALUES ('secret body text')"))
        return 0

    monkeypatch.setattr(pipe.store, "record_message", refuse)
    summary = pipe.run_once(now=T0)
    [problem] = summary.problems
    assert problem == (
        "samples/1.eml: failed: not recorded, tried again on the next run: "
        "no such table: no_such_table"
    )
    monkeypatch.setattr(pipe.store, "record_message", real_record)
    again = pipe.run_once(now=T0)
    assert (again.emails, again.delivery.sent, len(recorder.batches)) == (1, 2, 2)
    pipe.close()


def test_a_message_the_store_refuses_in_a_batch_is_rolled_back_alone(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    state_url: str,  # noqa: F811
) -> None:
    pipe, recorder = pipeline(tmp_path, [SMALL_LLMS], state=state_url)
    drop(tmp_path, "1.eml", digest_email("d1", T0, [LLM]))
    drop(tmp_path, "2.eml", digest_email("d2", T0, [OTHER]))
    drop(tmp_path, "3.eml", digest_email("d3", T0, [VISION]))
    real_record = pipe.store.record_message
    committed: list[str] = []

    def refuse_2(record: Any, *args: Any, batch: Any = None) -> int:
        if getattr(record, "uid", None) == "2.eml":  # after its message row is written,
            real_record(record, *args, batch=batch)  # a real driver error in the batch
            with batch.store.engine.connect() as conn:
                conn.execute(text("INSERT INTO no_such_table VALUES ('secret body text')"))
        return real_record(record, *args, batch=batch)

    class Watching:  # the directory source, noting what is committed at post-processing
        def __init__(self, inner: object) -> None:
            self.inner = inner

        def __getattr__(self, name: str) -> object:
            return getattr(self.inner, name)

        def after_commit(self, message: IncomingMessage) -> None:
            other = Store.open(pipe.settings.state)  # another connection: committed rows
            assert other.is_processed(
                message.source, message.folder, message.uidvalidity, message.uid
            )
            other.close()
            committed.append(message.uid)

    monkeypatch.setattr(pipe.store, "record_message", refuse_2)
    pipe._sources["samples"] = Watching(pipe.source("samples"))  # type: ignore[assignment]
    summary = pipe.run_once(now=T0)
    assert [p.split(":")[0] for p in summary.problems] == ["samples/2.eml"]
    assert "no_such_table" in summary.problems[0]
    assert "secret" not in summary.problems[0]
    assert committed == ["1.eml", "3.eml"]  # after the batch's commit, the failed one not
    assert sorted(recorder.alerts()) == sorted(
        [("small-llms", d, f"arxiv:{LLM[0]}") for d in ["console", "team"]]
    )
    monkeypatch.setattr(pipe.store, "record_message", real_record)
    again = pipe.run_once(now=T0)
    assert (again.emails, again.delivery.sent) == (1, 2)  # 2.eml was rolled back, whole
    pipe.close()


def test_an_unreadable_file_is_listed_and_processed_once_it_can_be_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipe, recorder = pipeline(tmp_path, [SMALL_LLMS])
    drop(tmp_path, "1.eml", digest_email("d1", T0, [LLM]))
    real_read = Path.read_bytes

    def refuse_1_eml(self: Path) -> bytes:  # as root, chmod cannot make a file unreadable
        if self.name == "1.eml":
            raise PermissionError(13, "Permission denied", str(self))
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", refuse_1_eml)
    first = pipe.run_once(now=T0)
    assert first.skipped == ["samples/1.eml: skipped: cannot read the file: Permission denied"]
    assert pipe.run_once(now=T0).skipped == first.skipped  # still listed, still unread
    monkeypatch.setattr(Path, "read_bytes", real_read)  # its permissions are fixed
    fixed = pipe.run_once(now=T0)
    assert (fixed.emails, fixed.papers, fixed.delivery.sent, fixed.skipped) == (1, 1, 2, [])
    assert len(recorder.batches) == 2
    pipe.close()


def test_a_file_name_that_is_not_utf8_does_not_stop_the_folder(
    tmp_path: Path,
    state_url: str,  # noqa: F811
) -> None:
    pipe, recorder = pipeline(tmp_path, [SMALL_LLMS], state=state_url)
    inbox = bytes(tmp_path / "inbox")
    with open(inbox + b"/caf\xe9-latin1.eml", "wb") as f:  # saved by an old Windows tool
        f.write(digest_email("d1", T0, [LLM]))
    drop(tmp_path, "z-after.eml", digest_email("d2", T0, [OTHER]))
    first = pipe.run_once(now=T0)
    assert (first.emails, first.papers, first.problems) == (2, 2, [])
    assert pipe.store.is_processed("samples", str(tmp_path / "inbox"), 0, "caf\\xe9-latin1.eml")
    assert pipe.run_once(now=T0).emails == 0
    assert len(recorder.batches) == 4
    pipe.close()


def test_a_directory_is_read_file_by_file_as_the_run_goes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipe, _recorder = pipeline(tmp_path, [SMALL_LLMS])
    for n in range(3):
        drop(tmp_path, f"{n}.eml", digest_email(f"d{n}", T0, [LLM]))
    reads: list[str] = []
    real_read = Path.read_bytes

    def counting_read(self: Path) -> bytes:
        reads.append(self.name)
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", counting_read)
    messages = pipe.source("samples").fetch(pipe.store)
    assert next(messages).uid == "0.eml"
    assert reads == ["0.eml"]
    assert [m.uid for m in messages] == ["1.eml", "2.eml"]
    pipe.close()


def test_a_copy_of_a_processed_message_is_skipped(tmp_path: Path) -> None:
    pipe, _recorder = pipeline(tmp_path, [SMALL_LLMS])
    drop(tmp_path, "1.eml", digest_email("d1", T0, [LLM]))
    drop(tmp_path, "1-copy.eml", digest_email("d1", T0, [LLM]))
    summary = pipe.run_once(now=T0)
    assert summary.emails == 2
    assert summary.delivery.sent == 2
    assert summary.failed == 0
    assert ", 1 skipped" in str(summary)
    assert "skipped: already processed a message with Message-ID <d1@pulse.example>" in str(summary)
    pipe.close()


def test_daily_batches_go_out_at_their_time_in_their_timezone(tmp_path: Path) -> None:
    rule = {
        "name": "vision-feed",
        "match": {"any": ["vision", "language model"]},
        "notify": [{"to": "team", "mode": "daily", "at": "09:00", "timezone": "Europe/Paris"}],
    }
    pipe, recorder = pipeline(tmp_path, [rule])
    drop(tmp_path, "1.eml", digest_email("d1", T0, [LLM]))
    early = pipe.run_once(now=T0)  # 08:00 Paris
    assert early.delivery.sent == 0
    assert early.waiting == 1
    assert "(1 alerts wait for their time, next at 2025-10-14 07:00 UTC)" in str(early)
    drop(tmp_path, "2.eml", digest_email("d2", T0, [VISION]))
    assert pipe.run_once(now=T0 + timedelta(minutes=59)).delivery.sent == 0  # 08:59 Paris
    on_time = pipe.run_once(now=T0 + timedelta(hours=1))  # 09:00 Paris = 07:00 UTC
    assert on_time.delivery.messages == 1
    assert on_time.delivery.sent == 2
    [batch] = recorder.batches
    assert batch.batch_key == BatchKey.parse("day:2025-10-14")
    assert len(batch.items) == 2
    # after today's feed, a new paper joins tomorrow's; a restart that missed 09:00 sends it late
    drop(tmp_path, "3.eml", digest_email("d3", T0, [OTHER]))
    assert pipe.run_once(now=T0 + timedelta(hours=2)).delivery.sent == 0
    late = pipe.run_once(now=datetime(2025, 10, 15, 14, 0, tzinfo=UTC))
    assert late.delivery.sent == 1
    assert recorder.batches[-1].batch_key == BatchKey.parse("day:2025-10-15")
    pipe.close()


def test_a_dry_run_shows_what_would_be_sent_and_records_nothing(tmp_path: Path) -> None:
    pipe, recorder = pipeline(tmp_path, [SMALL_LLMS])
    drop(tmp_path, "1.eml", digest_email("d1", T0, [LLM, OTHER]))
    drop(tmp_path, "2.eml", digest_email("d2", T0, [LLM]))
    dry = pipe.run_once(dry_run=True, now=T0)
    assert sum(len(b.items) for b in dry.previews) == 4  # LLM once per destination
    assert "nothing was sent or recorded" in str(dry)
    assert recorder.batches == []
    assert pipe.store.messages_per_source() == {}
    assert pipe.store.outbox_counts()[OutboxState.PENDING] == 0
    assert pipe.run_once(now=T0).delivery.sent == 4
    pipe.close()


def sample(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


def test_failed_deliveries_retry_with_backoff_then_go_out_once(tmp_path: Path) -> None:
    sent_before = sample("mailer_alerts_sent_total", destination="team")
    failed_before = sample("mailer_alerts_failed_total", destination="team")
    pipe, recorder = pipeline(tmp_path, [{**SMALL_LLMS, "notify": [{"to": "team"}]}])
    recorder.failures = [DeliveryError("HTTP 500"), DeliveryError("rate limited", retry_after=120)]
    drop(tmp_path, "1.eml", digest_email("d1", T0, [LLM]))
    first = pipe.run_once(now=T0)
    assert first.delivery.retrying == 1
    assert "will retry in 30s: HTTP 500" in str(first)
    assert pipe.deliver_due(T0 + timedelta(seconds=29)).sent == 0
    second = pipe.deliver_due(T0 + timedelta(seconds=30))
    assert second.retrying == 1
    assert "retry in 120s" in second.errors[0]
    assert pipe.deliver_due(T0 + timedelta(seconds=149)).sent == 0
    assert pipe.deliver_due(T0 + timedelta(seconds=150)).sent == 1
    assert len(recorder.batches) == 1
    assert sample("mailer_alerts_sent_total", destination="team") == sent_before + 1
    assert sample("mailer_alerts_failed_total", destination="team") == failed_before + 2
    assert sample("mailer_outbox_depth", state="sent") == 1
    pipe.close()


@pytest.mark.parametrize(
    ("errors", "reason"),
    [
        ([DeliveryError("channel_not_found", permanent=True)], "channel_not_found"),
        ([DeliveryError("HTTP 500")] * 3, "HTTP 500 (gave up after 3 attempts)"),
    ],
)
def test_alerts_go_dead_with_their_reason(
    tmp_path: Path, errors: list[DeliveryError], reason: str
) -> None:
    pipe, recorder = pipeline(tmp_path, [{**SMALL_LLMS, "notify": [{"to": "team"}]}])
    recorder.failures = list(errors)
    drop(tmp_path, "1.eml", digest_email("d1", T0, [LLM]))
    pipe.run_once(now=T0)
    for hours in range(1, 4):
        pipe.deliver_due(T0 + timedelta(hours=hours))
    [dead] = pipe.store.list_outbox(states=(OutboxState.DEAD,))
    assert dead.last_error == reason
    assert pipe.store.requeue_dead([dead.id], T0 + timedelta(hours=5)) == 1
    assert pipe.deliver_due(T0 + timedelta(hours=5)).sent == 1
    pipe.close()


def test_a_channel_bug_raising_keyerror_is_retried_not_taken_for_an_unknown_destination(
    tmp_path: Path,
) -> None:
    class Buggy(Recorder):
        has_failed = False

        def deliver(self, batch: AlertBatch) -> None:
            if not self.has_failed:
                self.has_failed = True
                raise KeyError("thumbnail")  # e.g. a renderer's dict lookup
            super().deliver(batch)

    recorder = Buggy()
    settings = settings_for(write_config(tmp_path, [{**SMALL_LLMS, "notify": [{"to": "team"}]}]))
    pipe = Pipeline.open(settings, channel_factory=recorder, clock=lambda: T0)
    drop(tmp_path, "1.eml", digest_email("d1", T0, [LLM]))
    first = pipe.run_once(now=T0)
    assert first.delivery.retrying == 1
    assert "KeyError: 'thumbnail'" in str(first)
    assert pipe.deliver_due(T0 + timedelta(minutes=1)).sent == 1
    pipe.close()


def test_a_channel_that_cannot_be_set_up_is_retried_and_the_run_goes_on(tmp_path: Path) -> None:
    class NoTeam(Recorder):
        def __call__(self, name: str, destination: Destination, settings: Settings) -> Recorder:
            if name == "team":
                raise RuntimeError("the team channel's certificate file is missing")
            return self

    recorder = NoTeam()
    settings = settings_for(write_config(tmp_path, [SMALL_LLMS]))
    pipe = Pipeline.open(settings, channel_factory=recorder, clock=lambda: T0)
    drop(tmp_path, "1.eml", digest_email("d1", T0, [LLM]))
    summary = pipe.run_once(now=T0)
    assert (summary.delivery.sent, summary.delivery.retrying) == (1, 1)
    assert "cannot set up the channel: the team channel's certificate" in str(summary)
    pipe.close()


def test_an_undefined_destination_is_dead_at_once(tmp_path: Path) -> None:
    pipe, _recorder = pipeline(tmp_path, [SMALL_LLMS])
    settings = pipe.settings.model_copy(update={"destinations": {"console": {"kind": "console"}}})
    pipe.worker.settings = settings
    drop(tmp_path, "1.eml", digest_email("d1", T0, [LLM]))
    summary = pipe.run_once(now=T0)
    assert summary.delivery.sent == 1
    assert summary.delivery.dead == 1
    assert "destination 'team' is not defined in the config" in str(summary)
    pipe.close()


def test_replay_and_since_process_again_without_sending_twice(tmp_path: Path) -> None:
    pipe, _recorder = pipeline(tmp_path, [SMALL_LLMS])
    drop(tmp_path, "1.eml", digest_email("d1", T0, [LLM, VISION]))
    pipe.run_once(now=T0)
    [outcome] = pipe.replay("<d1@pulse.example>", now=T0)
    assert outcome.matches == 1
    assert outcome.new_alerts == 0
    (tmp_path / "rules" / "more.yaml").write_text(
        "rules:\n  - name: vision\n    match: {any: [vision]}\n    notify: [{to: team}]\n"
    )
    assert pipe.reload_rules().is_ok
    resumed = pipe.run_once(since=date(2025, 10, 14), now=T0)
    assert resumed.emails == 1
    assert resumed.new_alerts == 1
    assert resumed.delivery.sent == 1
    older = pipe.run_once(since=date(2025, 10, 15), now=T0)
    assert older.emails == 0
    assert "1 dated before --since left out" in str(older)
    with pytest.raises(LookupError):
        pipe.replay("<nope@x>")
    pipe.close()


def test_a_mailbox_message_dated_before_since_is_recorded_as_skipped_when_new(
    tmp_path: Path,
) -> None:
    pipe, _recorder = pipeline(tmp_path, [SMALL_LLMS])
    old = T0 - timedelta(days=3)

    def mail(uid: str) -> IncomingMessage:  # as an IMAP backfill hands it over
        raw = digest_email(f"m{uid}", old, [LLM])
        return IncomingMessage("team-inbox", "INBOX", 7, uid, raw)

    assert pipe.process_incoming(mail("1"), force=True, now=T0).new_alerts == 2
    for _ in range(2):  # the same backfill twice
        assert pipe.process_incoming(mail("1"), since=T0.date(), now=T0).status == (
            "older-than-since"
        )
        assert pipe.process_incoming(mail("2"), since=T0.date(), now=T0).status == (
            "older-than-since"
        )
    # processed before: left as it was; new: recorded, so the next backfill skips it
    assert pipe.store.messages_per_source() == {"team-inbox": {"parsed": 1, "skipped": 1}}
    [problem] = pipe.store.recent_problems()
    assert (problem.uid, problem.reason) == ("2", "dated 2025-10-11, before --since 2025-10-14")
    # a file in a directory stays unrecorded: a run without --since still processes it
    drop(tmp_path, "old.eml", digest_email("d-old", old, [VISION]))
    assert pipe.run_once(since=T0.date(), now=T0).emails == 0
    assert pipe.run_once(now=T0).emails == 1
    assert pipe.run_once(now=T0).emails == 0
    pipe.close()


def test_rules_with_errors_are_not_loaded_and_the_last_good_ones_stay(tmp_path: Path) -> None:
    pipe, _recorder = pipeline(tmp_path, [SMALL_LLMS])
    (tmp_path / "rules" / "broken.yaml").write_text("rules:\n  - name: x\n    match: {anyy: [a]}\n")
    reloaded = pipe.reload_rules()
    assert not reloaded.is_ok
    assert [r.name for r in pipe.rules.rules] == ["small-llms"]
    pipe.close()


def test_the_pipeline_is_exactly_once_on_sqlite_and_postgresql(
    tmp_path: Path,
    state_url: str,  # noqa: F811
) -> None:
    pipe, recorder = pipeline(tmp_path, [SMALL_LLMS], state=state_url)
    drop(tmp_path, "1.eml", digest_email("d1", T0, [LLM, OTHER]))
    drop(tmp_path, "2.eml", digest_email("d2", T0, [LLM]))
    assert pipe.run_once(now=T0).delivery.sent == 4
    assert pipe.run_once(now=T0).delivery.sent == 0
    assert sorted(recorder.alerts()) == sorted(set(recorder.alerts()))
    pipe.close()


def test_a_stopping_worker_finishes_the_batch_in_hand_and_claims_no_other(
    tmp_path: Path,
) -> None:
    """SIGTERM during a long delivery round: nothing may be left claimed at exit."""
    pipe, recorder = pipeline(tmp_path, [SMALL_LLMS])
    raw = digest_email("d1", T0, [LLM])
    pipe.process_incoming(IncomingMessage("inbox", "inbox", 0, "1.eml", raw), now=T0)
    # asked before each batch (each destination has its own lane): stop once one went out
    first = pipe.deliver_due(T0, should_stop=lambda: bool(recorder.batches))
    assert first.messages >= 1
    assert pipe.store.active_claims(T0) == []  # nothing left claimed
    second = pipe.deliver_due(T0)
    assert first.messages + second.messages == 2
    assert len(recorder.batches) == 2
    pipe.close()
