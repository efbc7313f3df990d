"""Leader and standbys, in-process: the election on PostgreSQL, the role in /healthz and
metrics, the replicas in `mailer status`, the settings and the SQLite message."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from pipeline_kit import write_config
from prometheus_client.exposition import generate_latest
from store_backends import POSTGRES_URL, postgres_schema_url, state_url  # noqa: F401

from mailer.cli import cli
from mailer.config.settings import ConfigError, ReplicaSettings, Settings, load_settings
from mailer.core.keys import BatchKey, Claim
from mailer.core.models import MessageStatus, NewAlert, Paper
from mailer.runtime.election import LeaderElection
from mailer.runtime.health import SourceHealth, evaluate_health
from mailer.runtime.instance_lock import AlreadyRunningError, acquire_instance_lock
from mailer.runtime.leader import SoleLeader, release_claims_of_gone_replicas
from mailer.runtime.metrics import REGISTRY
from mailer.runtime.status_report import collect_service_status, format_service_status
from mailer.store.db import Store, application_name, create_store_engine, engine_url
from mailer.store.messages import MessageRecord
from mailer.store.replicas import Replica, record_heartbeat

FAST = ReplicaSettings(heartbeat_seconds=0.1, handover_seconds=0.4, session_timeout_seconds=1)
NOW = datetime(2025, 10, 14, 9, 0, tzinfo=UTC)


def wait_for(what: str, check: Callable[[], object], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    schema = postgres_schema_url()
    found = next(schema)
    Store.open(found).close()  # the tables, as the service has them before the election
    yield found
    schema.close()


def election(url: str, changes: list[str]) -> LeaderElection:
    name = threading.current_thread().name
    return LeaderElection(
        engine_url(url),
        FAST,
        on_change=lambda: changes.append(name),
        clock=lambda: datetime.now(UTC),
    )


def test_health_is_ok_for_both_roles_and_says_which() -> None:
    for role in ("leader", "standby"):
        report = evaluate_health(True, [], role=role)
        assert report.ok
        assert report.to_json()["role"] == role
    failing = evaluate_health(True, [SourceHealth("mail", error="refused")], role="leader")
    assert not failing.ok
    assert failing.to_json()["role"] == "leader"
    assert "role" not in evaluate_health(True, []).to_json()  # unknown yet: not claimed


def test_replica_timings_must_leave_room_for_a_handover(tmp_path: Path) -> None:
    config = tmp_path / "mailer.yaml"
    config.write_text("replicas: {heartbeat_seconds: 5, handover_seconds: 3}\n")
    with pytest.raises(ConfigError, match="handover_seconds must be longer"):
        load_settings(config, {})
    config.write_text("replicas: {heartbeat_seconds: 5, handover_seconds: 12}\n")
    with pytest.raises(ConfigError, match="session_timeout_seconds"):
        load_settings(config, {})
    defaults = Settings().replicas  # the worst case stays within the promised 15 s
    worst = defaults.session_timeout_seconds + defaults.heartbeat_seconds
    assert worst + defaults.handover_seconds <= 15


def test_a_second_instance_on_sqlite_says_replicas_need_postgresql(tmp_path: Path) -> None:
    lock = acquire_instance_lock(f"sqlite:///{tmp_path}/mailer.db")
    try:
        with pytest.raises(AlreadyRunningError, match="Several replicas need a PostgreSQL state"):
            acquire_instance_lock(f"sqlite:///{tmp_path}/mailer.db")
    finally:
        lock.release()


@pytest.mark.integration
def test_one_leader_at_a_time_and_a_standby_takes_over_when_it_stops(postgres_url: str) -> None:
    changes: list[str] = []
    first, second = election(postgres_url, changes), election(postgres_url, changes)
    first.start()
    wait_for("the first to lead", first.is_leader)
    second.start()
    time.sleep(5 * FAST.heartbeat_seconds)
    assert first.is_leader()
    assert not second.is_leader()
    first.stop()  # a clean stop frees the lock and its row: no handover wait
    stopped = time.monotonic()
    wait_for("the standby to lead", second.is_leader)
    assert time.monotonic() - stopped < FAST.handover_seconds
    second.stop()
    assert len(changes) == 2  # each became the leader once; nobody stepped down on a check


@pytest.mark.integration
def test_a_leader_whose_session_is_ended_steps_down_and_lets_the_standby_lead(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    # leading logs at info when no other replica was leading any more, a takeover at warning
    caplog.set_level(logging.INFO, logger="mailer.runtime.election")
    changes: list[str] = []
    first, second = election(postgres_url, changes), election(postgres_url, changes)
    first.start()
    wait_for("the first to lead", first.is_leader)
    second.start()
    time.sleep(3 * FAST.heartbeat_seconds)
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
            (application_name(),),
        )
    wait_for("the first to step down", lambda: not first.is_leader(), timeout=3)
    wait_for("the standby to lead", second.is_leader, timeout=5)
    time.sleep(5 * FAST.heartbeat_seconds)
    assert second.is_leader()
    assert not first.is_leader()
    first.stop()
    second.stop()
    messages = [r.getMessage() for r in caplog.records if r.name == "mailer.runtime.election"]
    assert sum("stepped down as the leader, now a standby" in m for m in messages) == 1
    assert sum(f"{second.replica}: now the leader" in m for m in messages) == 1


def test_status_lists_the_replicas_with_role_and_last_heartbeat(tmp_path: Path) -> None:
    config = write_config(tmp_path, [])
    settings = load_settings(config, {})
    store = Store.open(settings.state)
    now = datetime.now(UTC)
    with store.engine.begin() as conn:
        for n, (role, age) in enumerate([("leader", 1), ("standby", 2), ("standby", 600)]):
            beat = now - timedelta(seconds=age)
            record_heartbeat(conn, Replica(f"pod-{n}:1", f"pod-{n}", 1, role, beat, beat, None, 2))
    report = collect_service_status(store.engine, settings, now)
    store.close()
    assert [(r["replica"], r["role"], r["alive"]) for r in report.to_json()["replicas"]] == [
        ("pod-0:1", "leader", True),
        ("pod-1:1", "standby", True),
        ("pod-2:1", "standby", False),
    ]
    text = "\n".join(format_service_status(report))
    assert "pod-0:1: leader, last heartbeat 1.0s ago" in text
    assert "pod-2:1: gone (was standby), last heartbeat 10 min ago" in text
    result = CliRunner().invoke(cli, ["status", "--json", "--config", str(config)])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)["service"]["replicas"]
    assert {r["replica"] for r in listed} == {"pod-0:1", "pod-1:1", "pod-2:1"}
    assert all(r["last_heartbeat"] and r["role"] for r in listed)


def test_the_leader_hands_back_the_claims_of_replicas_that_stopped_beating(
    state_url: str,  # noqa: F811
) -> None:
    store = Store.open(state_url)
    paper = Paper(id="arxiv:1", title="A paper", format="generic")
    alert = NewAlert("llm", "arxiv:1", "team", BatchKey.parse("msg:1"), due_at=NOW)
    store.record_message(
        MessageRecord("s", "F", 1, "1", MessageStatus.PARSED, NOW), [paper], [alert]
    )
    assert store.claim_next_batch(NOW, Claim.parse("far-pod:1:abc"), timedelta(minutes=10))
    with store.engine.begin() as conn:
        beat = NOW - timedelta(seconds=60)
        record_heartbeat(conn, Replica("far-pod:1", "far-pod", 1, "leader", beat, beat, None, 2))
    assert release_claims_of_gone_replicas(store, NOW) == 1
    assert store.claim_next_batch(
        NOW, Claim.parse("here:2:def"), timedelta(minutes=10)
    )  # free again
    store.close()


def test_metrics_carry_the_role(tmp_path: Path) -> None:
    engine = create_store_engine(f"sqlite:///{tmp_path}/mailer.db")
    SoleLeader(engine, Settings().replicas, clock=lambda: NOW)  # SQLite: always the leader
    text = generate_latest(REGISTRY).decode()
    assert 'mailer_replica_role{role="leader"} 1.0' in text
    assert 'mailer_replica_role{role="standby"} 0.0' in text
    engine.dispose()
