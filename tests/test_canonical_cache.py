"""The cache of canonical records in the store, on SQLite and PostgreSQL (migration 4)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import inspect, text
from store_backends import state_url  # noqa: F401  (the parametrized fixture)

from mailer.core.canonical import CanonicalRecord
from mailer.store import Store
from mailer.store.migrations import MIGRATIONS

T0 = datetime(2025, 10, 14, 8, 0, tzinfo=UTC)
TINY = CanonicalRecord(
    arxiv_id="2401.02385",
    origin="arxiv",
    title="TinyLlama: An Open-Source Small Language Model",
    abstract="We present TinyLlama.",
    authors=("Peiyuan Zhang", "Wei Lu"),
    published=date(2024, 1, 4),
    pdf_url="https://arxiv.org/pdf/2401.02385v1",
)


def test_records_and_unknown_ids_round_trip(state_url: str) -> None:  # noqa: F811
    store = Store.open(state_url)
    cache = store.canonical_cache()
    cache.put("arxiv", T0, [TINY], ["9999.99999"])
    got = cache.get("arxiv", ["2401.02385", "9999.99999", "1111.11111"])
    store.close()
    assert got["2401.02385"].record == TINY
    assert got["2401.02385"].fetched_at == T0
    assert got["9999.99999"].record is None  # the negative cache
    assert "1111.11111" not in got


def test_a_dry_runs_cache_reads_the_store_and_writes_nothing(state_url: str) -> None:  # noqa: F811
    store = Store.open(state_url)
    store.canonical_cache().put("arxiv", T0, [TINY])
    dry = store.canonical_cache(dry_run=True)
    dry.put("arxiv", T0, [replace(TINY, arxiv_id="2402.00001")], ["9999.99999"])
    got = dry.get("arxiv", ["2401.02385", "2402.00001", "9999.99999"])
    on_disk = store.canonical_cache().get("arxiv", ["2402.00001", "9999.99999"])
    store.close()
    assert got["2401.02385"].record == TINY  # what the store had
    assert got["2402.00001"].record is not None  # what this dry run fetched: asked once
    assert got["9999.99999"].record is None
    assert on_disk == {}  # a PostgreSQL state is not a copy: nothing reached it


def test_a_fresh_answer_replaces_the_cached_one_per_origin(state_url: str) -> None:  # noqa: F811
    store = Store.open(state_url)
    cache = store.canonical_cache()
    hf = CanonicalRecord(arxiv_id="2401.02385", origin="huggingface", title="T", upvotes=3)
    cache.put("huggingface", T0, [hf])
    cache.put("arxiv", T0, [], ["2401.02385"])
    later = T0 + timedelta(days=1)
    cache.put("huggingface", later, [CanonicalRecord("2401.02385", "huggingface", "T", upvotes=9)])
    hf_row = cache.get("huggingface", ["2401.02385"])["2401.02385"]
    arxiv_row = cache.get("arxiv", ["2401.02385"])["2401.02385"]
    store.close()
    assert hf_row.record is not None
    assert hf_row.record.upvotes == 9
    assert hf_row.fetched_at == later
    assert arxiv_row.record is None


def test_the_migration_step_adds_the_table_to_an_older_database(state_url: str) -> None:  # noqa: F811
    store = Store.open(state_url)
    with store.engine.begin() as conn:  # as a database made before step 4
        conn.execute(text("DROP TABLE canonical_records"))
    step = next(m for m in MIGRATIONS if m.version == 4)
    with store.engine.begin() as conn:
        step.apply(conn)
        step.apply(conn)  # harmless when the table is there already
    with store.engine.connect() as conn:
        assert inspect(conn).has_table("canonical_records")
    store.canonical_cache().put("arxiv", T0, [TINY])
    assert store.canonical_cache().get("arxiv", ["2401.02385"])["2401.02385"].record == TINY
    store.close()
