"""The store on SQLite and PostgreSQL: idempotent records, one transaction per message,
the outbox's claims, retries and dead alerts."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from store_backends import postgres_schema_url, state_url  # noqa: F401  (fixtures)

from mailer.core.keys import BatchKey, Claim
from mailer.core.models import MatchReason, MessageStatus, ModelSize, OutboxState, Paper
from mailer.store import MessageRecord, NewAlert, Store, StoreError
from mailer.store.migrations import MIGRATIONS
from mailer.store.schema import messages, outbox, paper_sources, papers, schema_version

T0 = datetime(2025, 10, 14, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=10)


def worker(name: str) -> Claim:
    """A claim of the outbox worker `name` (a host name here)."""
    return Claim(name, 1, "t")


WHY = (MatchReason("term", "*LoRA* in abstract", field="abstract", term="LoRA"),)


def paper(n: int, **fields: object) -> Paper:
    return Paper(id=f"arxiv:2510.{n:05d}", title=f"Paper {n}", format="hf-daily", **fields)  # type: ignore[arg-type]


def message(uid: str, *, at: datetime = T0, message_id: str | None = None) -> MessageRecord:
    return MessageRecord(
        "inbox",
        "INBOX",
        7,
        uid,
        MessageStatus.PARSED,
        at,
        message_id=message_id or f"<{uid}@x>",
        raw=b"mail",
    )


FIRST_BATCH = BatchKey.for_message("1")


def alert(
    p: Paper, rule: str = "small-llms", to: str = "team", batch: BatchKey = FIRST_BATCH
) -> NewAlert:
    return NewAlert(rule, p.id, to, batch, due_at=T0, reasons=WHY, rule_description="Small LLMs")


@pytest.fixture
def store(state_url: str) -> Iterator[Store]:  # noqa: F811
    opened = Store.open(state_url)
    yield opened
    opened.close()


def count(store: Store, table: object) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar() or 0)  # type: ignore[arg-type]


def test_migrations_run_once_and_record_the_version(store: Store) -> None:
    assert store.upgrade() == 0  # already applied by open()
    again = Store.open(str(store.engine.url.render_as_string(hide_password=False)))
    assert again.upgrade() == 0
    again.close()


def test_a_step_merged_after_a_higher_one_still_runs(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Versions are numbered per feature (5 for one branch, 10 for another) and merge out
    of order: a database already at 10 must still get the 5 that arrives after it."""
    from mailer.store import migrations

    known = {m.version for m in migrations.MIGRATIONS}
    gap = next(v for v in range(1, migrations.LATEST) if v not in known)  # below the highest
    ran: list[int] = []
    late = migrations.Migration(gap, "a step merged late", lambda conn: ran.append(gap))
    steps = sorted((*migrations.MIGRATIONS, late), key=lambda m: m.version)
    monkeypatch.setattr(migrations, "MIGRATIONS", tuple(steps))
    assert store.upgrade() == 1
    assert ran == [gap]
    assert store.upgrade() == 0, "recorded: it runs once"
    assert ran == [gap], "recorded: it runs once"


def test_a_message_is_known_by_its_key_and_its_message_id(store: Store) -> None:
    store.record_message(message("41"), [paper(1)], [alert(paper(1))])
    store.record_message(message("9"), [], [])
    assert store.is_processed("inbox", "INBOX", 7, "41")
    assert not store.is_processed("inbox", "INBOX", 8, "41")  # another UIDVALIDITY
    assert store.highest_uid("inbox", "INBOX", 7) == 41
    assert store.highest_uid("inbox", "Archive", 7) is None
    assert store.has_message_id("<41@x>")
    assert not store.has_message_id("<42@x>")
    [stored] = store.find_messages("41@x")  # angle brackets optional
    assert stored.raw == b"mail"
    assert stored.uid == "41"


def test_an_alert_is_enqueued_once_per_rule_paper_and_destination(store: Store) -> None:
    p = paper(1)
    assert store.record_message(message("1"), [p], [alert(p), alert(p, to="alice")]) == 2
    # the same paper in tomorrow's digest, and in another newsletter
    assert store.record_message(message("2"), [p], [alert(p, batch=BatchKey.parse("msg:2"))]) == 0
    assert store.record_message(message("3"), [p], [alert(p, rule="other")]) == 1
    assert count(store, outbox) == 3
    assert count(store, papers) == 1
    assert count(store, paper_sources) == 3  # its sources are recorded


def test_a_paper_seen_again_is_completed_not_replaced(store: Store) -> None:
    store.record_message(message("1"), [paper(1, upvotes=3)], [])
    richer = paper(
        1, abstract="We train a 7B model.", upvotes=40, sizes=(ModelSize(7 * 10**9, "7B"),)
    )
    store.record_message(message("2"), [richer], [alert(richer)])
    [claimed] = store.claim_next_batch(T0, worker("w"), LEASE)
    assert claimed.paper.abstract == "We train a 7B model."
    assert claimed.paper.upvotes == 40
    assert claimed.paper.size_params == [7 * 10**9]
    assert claimed.reasons == WHY
    assert claimed.rule_description == "Small LLMs"


def test_recording_a_message_again_updates_its_row(store: Store) -> None:
    store.record_message(message("1"), [], [])
    failed = MessageRecord("inbox", "INBOX", 7, "1", MessageStatus.FAILED, T0, reason="bad MIME")
    store.record_message(failed, [], [])
    assert count(store, messages) == 1
    assert store.messages_per_source() == {"inbox": {"failed": 1}}
    [problem] = store.recent_problems()
    assert problem.reason == "bad MIME"


def test_message_papers_and_alerts_commit_together_or_not_at_all(store: Store) -> None:
    p = paper(1)
    orphan = NewAlert("r", "arxiv:not-stored", "team", BatchKey.parse("msg:1"), due_at=T0)
    with pytest.raises(IntegrityError):
        store.record_message(message("1"), [p], [alert(p), orphan])
    assert not store.is_processed("inbox", "INBOX", 7, "1")
    assert count(store, papers) == 0
    assert count(store, outbox) == 0


def test_a_claim_takes_one_whole_batch_and_nobody_else_gets_it(store: Store) -> None:
    a, b, c = paper(1), paper(2), paper(3)
    store.record_message(
        message("1"), [a, b, c], [alert(a), alert(b), alert(c, batch=BatchKey.parse("msg:2"))]
    )
    first = store.claim_next_batch(T0, worker("w1"), LEASE)
    assert [x.paper.id for x in first] == [a.id, b.id]
    second = store.claim_next_batch(T0, worker("w2"), LEASE)
    assert [x.paper.id for x in second] == [c.id]
    assert store.claim_next_batch(T0, worker("w3"), LEASE) == []
    # a worker that died: its lease expires and the alerts go out again
    later = T0 + LEASE + timedelta(seconds=1)
    assert {x.id for x in store.claim_next_batch(later, worker("w4"), LEASE)} == {
        x.id for x in first
    }
    assert store.release_claims([worker("w2")]) == 1
    assert [x.paper.id for x in store.claim_next_batch(T0, worker("w5"), LEASE)] == [c.id]


def test_alerts_are_not_due_before_their_time(store: Store) -> None:
    p = paper(1)
    daily = NewAlert(
        "r", p.id, "team", BatchKey.parse("day:2025-10-15"), due_at=T0 + timedelta(days=1)
    )
    store.record_message(message("1"), [p], [daily])
    assert store.claim_next_batch(T0, worker("w"), LEASE) == []
    assert store.count_waiting(T0) == 1
    assert len(store.claim_next_batch(T0 + timedelta(days=2), worker("w"), LEASE)) == 1


def test_a_retry_waiting_for_its_backoff_is_counted_apart_from_alerts_waiting_for_their_time(
    store: Store,
) -> None:
    # `mailer run` says "N retrying" already: counting them in "M alerts wait for their
    # time" too read as twice as many alerts
    p = paper(1)
    store.record_message(message("1"), [p], [alert(p)])
    [x] = store.claim_next_batch(T0, worker("w"), LEASE)
    store.mark_retry([x.id], "HTTP 503", T0 + timedelta(minutes=5))
    assert store.outbox_counts()[OutboxState.RETRYING] == 1
    assert store.count_waiting(T0) == 0
    assert store.next_due(T0) is None
    assert store.count_backoff(T0) == (1, T0 + timedelta(minutes=5))  # said apart instead


def test_retry_dead_and_requeue(store: Store) -> None:
    p, q = paper(1), paper(2)
    store.record_message(message("1"), [p, q], [alert(p), alert(q, batch=BatchKey.parse("msg:2"))])
    [x] = store.claim_next_batch(T0, worker("w"), LEASE)
    store.mark_retry([x.id], "HTTP 500", T0 + timedelta(seconds=30))
    [y] = store.claim_next_batch(T0, worker("w"), LEASE)
    store.mark_dead([y.id], "channel_not_found")
    assert store.claim_next_batch(T0 + timedelta(seconds=10), worker("w"), LEASE) == []
    [again] = store.claim_next_batch(T0 + timedelta(seconds=31), worker("w"), LEASE)
    assert again.id == x.id
    assert again.attempts == 1
    store.mark_sent([again.id], T0 + timedelta(seconds=31))
    assert store.outbox_counts() == {"pending": 0, "retrying": 0, "sent": 1, "dead": 1}
    [dead] = store.list_outbox()
    assert dead.state == "dead"
    assert dead.last_error == "channel_not_found"
    assert store.requeue_dead(None, T0 + timedelta(minutes=1)) == 1
    assert store.claim_next_batch(T0 + timedelta(minutes=1), worker("w"), LEASE)[0].attempts == 0


def test_a_late_failure_never_reopens_an_alert_another_worker_sent(store: Store) -> None:
    p, q = paper(1), paper(2)
    store.record_message(message("1"), [p], [alert(p)])
    store.record_message(message("2"), [q], [alert(q, batch=BatchKey.parse("msg:2"))])
    later = T0 + LEASE + timedelta(seconds=1)  # w1's lease ran out while its channel hung
    [x] = store.claim_next_batch(T0, worker("w1"), LEASE)
    [y] = store.claim_next_batch(later, worker("w2"), LEASE)
    assert x.id == y.id
    store.mark_sent([y.id], later)
    store.mark_retry([x.id], "timeout", later, claim=worker("w1"))  # w1's channel gives up at last
    [z] = store.claim_next_batch(T0, worker("w1"), LEASE)  # the other alert
    [w] = store.claim_next_batch(later, worker("w2"), LEASE)
    store.mark_dead([z.id], "timeout", claim=worker("w1"))  # w2 holds it now: left to w2
    store.mark_sent([w.id], later)
    assert store.claim_next_batch(later + timedelta(days=1), worker("w3"), LEASE) == []
    assert store.outbox_counts()[OutboxState.SENT] == 2


@pytest.fixture
def pg_store() -> Iterator[Store]:
    """Row locks (FOR UPDATE SKIP LOCKED) are PostgreSQL's: no SQLite variant to skip."""
    for url in postgres_schema_url():
        opened = Store.open(url)
        yield opened
        opened.close()


def test_a_batch_another_worker_is_claiming_does_not_hide_the_next_one(pg_store: Store) -> None:
    store = pg_store
    p, q = paper(1), paper(2)
    store.record_message(message("1"), [p], [alert(p)])
    store.record_message(message("2"), [q], [alert(q, batch=BatchKey.parse("msg:2"))])
    with store.engine.begin() as other:  # another worker, mid-claim on the oldest batch
        other.execute(select(outbox.c.id).where(outbox.c.paper_id == p.id).with_for_update())
        [claimed] = store.claim_next_batch(T0, worker("w"), LEASE)
    assert claimed.paper.id == q.id


def test_concurrent_workers_never_claim_the_same_alert(store: Store) -> None:
    found = [paper(n) for n in range(60)]
    alerts = [alert(p, batch=BatchKey.parse(f"msg:{n % 20}")) for n, p in enumerate(found)]
    store.record_message(message("1"), found, alerts)
    claimed: list[int] = []
    lock = threading.Lock()

    def work(name: str) -> None:
        while batch := store.claim_next_batch(T0, worker(name), LEASE):
            store.mark_sent([x.id for x in batch], T0)
            with lock:
                claimed.extend(x.id for x in batch)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claimed) == sorted(set(claimed))
    assert len(claimed) == 60
    assert store.outbox_counts()[OutboxState.SENT] == 60


def test_known_alerts_answers_for_dry_runs(store: Store) -> None:
    p = paper(1)
    store.record_message(message("1"), [p], [alert(p)])
    keys = [("small-llms", p.id, "team"), ("small-llms", p.id, "alice")]
    assert store.known_alerts(keys) == {("small-llms", p.id, "team")}


def test_outside_text_with_nul_characters_is_stored(store: Store) -> None:
    odd = Paper(id="title:abc", title="Evil\x00 title", format="generic", abstract="a\x00b")
    record = MessageRecord(
        "inbox", "INBOX", 7, "1", MessageStatus.PARSED, T0, subject="Hi\x00there"
    )
    store.record_message(record, [odd], [alert(odd)])
    [claimed] = store.claim_next_batch(T0, worker("w"), LEASE)
    assert claimed.paper.abstract == "a\x00b"  # the JSON copy keeps it, escaped
    assert store.list_outbox()[0].title == "Evil title"


def test_two_workers_recording_one_message_at_once_both_succeed(store: Store) -> None:
    p = paper(1)
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def work() -> None:
        start.wait()
        try:
            store.record_message(message("1"), [p], [alert(p)])
        except BaseException as e:  # noqa: BLE001 bulkhead: the worker thread hands any error to the test
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert count(store, messages) == 1
    assert count(store, outbox) == 1


def test_keys_longer_than_their_columns_are_stored_and_found_again(store: Store) -> None:
    folder = "/srv/" + "/".join(["d" * 99] * 11)  # a directory source's ~1,100-char path
    uid, message_id = "sub/" + "u" * 1200 + ".eml", "<" + "m" * 1500 + "@x>"
    record = MessageRecord(
        "inbox", folder, 0, uid, MessageStatus.PARSED, T0, message_id=message_id, raw=b"mail"
    )
    p = paper(1)
    long_batch = BatchKey.parse(f"msg:inbox/{folder}/0/{uid}")
    assert store.record_message(record, [p], [alert(p, batch=long_batch)]) == 1
    assert store.record_message(record, [p], [alert(p, batch=long_batch)]) == 0  # same row
    assert count(store, messages) == 1
    assert store.is_processed("inbox", folder, 0, uid)
    assert not store.is_processed("inbox", folder, 0, uid + "x")
    assert store.has_message_id(message_id)
    assert [m.raw for m in store.find_messages(message_id)] == [b"mail"]
    [claimed] = store.claim_next_batch(T0, worker("w"), LEASE)
    stored = claimed.batch_key.to_str()
    assert claimed.batch_key.kind == "msg"
    assert stored.startswith("msg:inbox/")
    assert len(stored) <= 1100
    long_rule = "papers about " + "very " * 60 + "small models"
    assert store.record_message(record, [p], [alert(p, rule=long_rule)]) == 1
    [claimed] = store.claim_next_batch(T0, worker("w"), LEASE)
    assert claimed.rule.startswith("papers about very")
    assert len(claimed.rule) <= 200


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://mailer:hunter2@127.0.0.1:1/none",
        "mysql://mailer:hunter2@127.0.0.1/db",
        "::hunter2::",
        "postgresql://mailer:hunter2@[::1:5999/none",  # a port that is not a number
    ],
)
def test_a_state_database_that_cannot_be_opened_is_named_without_its_password(url: str) -> None:
    with pytest.raises(StoreError) as error:
        Store.open(url)
    assert "hunter2" not in str(error.value)
    assert str(error.value).startswith(("cannot open the state database", "state:"))


def test_a_schema_newer_than_this_mailer_is_a_store_error(state_url: str) -> None:  # noqa: F811
    Store.open(state_url).close()
    store = Store.open(state_url, migrate=False)
    with store.engine.begin() as conn:
        conn.execute(
            schema_version.insert().values(
                version=999, applied_at=T0.replace(tzinfo=None), description="future"
            )
        )
    store.close()
    with pytest.raises(StoreError, match="version 999, newer than this mailer"):
        Store.open(state_url)


def test_a_sqlite_state_whose_folder_cannot_be_made_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("a file where the folder should be")
    with pytest.raises(StoreError, match=r"state: cannot create the folder .*afile"):
        Store.open(f"sqlite:///{tmp_path}/afile/state/mailer.db")


def test_sqlite_commits_are_durable_across_a_power_cut(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path}/mailer.db")
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    store.close()


def test_delivery_marks_skip_the_disk_flush_but_ingestion_keeps_it(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path}/mailer.db")
    p = paper(1)
    store.record_message(message("1"), [p], [alert(p)])
    claimed = store.claim_next_batch(T0, worker("worker-a"), LEASE)
    store.mark_sent([a.id for a in claimed], T0)
    with store.engine.connect() as conn:  # the pooled connection came back as it was
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    store.close()
    again = Store.open(f"sqlite:///{tmp_path}/mailer.db")  # committed for another process
    assert again.outbox_counts()[OutboxState.SENT] == 1
    assert again.claim_next_batch(T0, worker("worker-b"), LEASE) == []
    again.close()


def test_processes_starting_at_once_on_a_new_state_all_open_it(state_url: str) -> None:  # noqa: F811
    start, errors = threading.Barrier(4), []

    def open_and_close() -> None:
        start.wait()
        try:
            Store.open(state_url).close()
        except Exception as e:  # noqa: BLE001 bulkhead: e.g. "table papers already exists", "database is locked"
            errors.append(e)

    threads = [threading.Thread(target=open_and_close) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    store = Store.open(state_url)
    with store.engine.connect() as conn:
        versions = conn.execute(select(schema_version.c.version)).scalars().all()
    store.close()
    assert sorted(versions) == sorted(m.version for m in MIGRATIONS)


def test_a_paper_seen_again_unchanged_keeps_its_data_and_moves_its_last_seen(
    store: Store,
) -> None:
    store.record_message(message("1"), [paper(1, upvotes=3)], [])
    store.record_message(message("2", at=T0 + timedelta(days=1)), [paper(1, upvotes=2)], [])
    with store.engine.connect() as conn:
        row = conn.execute(select(papers.c.data, papers.c.first_seen, papers.c.last_seen)).one()
    assert '"upvotes": 3' in row.data
    assert row.first_seen == T0.replace(tzinfo=None)
    assert row.last_seen == (T0 + timedelta(days=1)).replace(tzinfo=None)
    assert count(store, paper_sources) == 2


def test_a_paper_another_worker_stored_meanwhile_is_merged_not_lost(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mailer.store.bulk as bulk

    store.record_message(message("1"), [paper(1, upvotes=3)], [])
    reads = []
    real = bulk.stored_papers

    def read_before_the_other_commit(conn: object, ids: list[str]) -> dict[str, str]:
        reads.append(ids)  # the first read misses the paper, as if not yet committed
        return {} if len(reads) == 1 else real(conn, ids)  # type: ignore[arg-type]

    monkeypatch.setattr(bulk, "stored_papers", read_before_the_other_commit)
    richer = paper(1, abstract="We train a 7B model.", upvotes=40)
    assert store.record_message(message("2"), [richer], [alert(richer)]) == 1
    assert len(reads) == 2, "the paper the insert skipped was read again"
    [claimed] = store.claim_next_batch(T0, worker("w"), LEASE)
    assert claimed.paper.abstract == "We train a 7B model."
    assert claimed.paper.upvotes == 40


def test_a_digest_of_many_papers_is_recorded_whole(store: Store) -> None:
    found = [paper(n) for n in range(1200)]  # more than one IN list's worth
    assert store.record_message(message("1"), found, [alert(p) for p in found]) == 1200
    assert store.record_message(message("2"), found, [alert(p) for p in found]) == 0
    assert count(store, papers) == 1200
    assert count(store, outbox) == 1200
    assert count(store, paper_sources) == 2400
    with store.engine.connect() as conn:
        assert set(conn.execute(select(messages.c.paper_count)).scalars()) == {1200}
