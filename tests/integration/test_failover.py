"""Replicas on PostgreSQL: three real `mailer serve` processes, digests streaming in over
IMAP (Dovecot) and into a directory, the leader SIGKILLed again and again at random
moments (one of them as the daily feed falls due): every alert is delivered, and
delivered once, except at most the batch in flight at each kill. The leader cut off
from the database (`pg_terminate_backend`) steps down before the new one fetches.

Short lease timings come from the config (`replicas:`); the figures are printed (run
with `-s` to see them): deliveries, duplicates, takeover time per kill.
"""

from __future__ import annotations

import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
import yaml
from pipeline_kit import digest_email
from store_backends import POSTGRES_URL, postgres_schema_url

from .dovecot import PASSWORD, USER, DovecotServer
from .replica_kit import Replica, deliveries, first_log, leaders_seen, wait_for_leader

pytestmark = [pytest.mark.slow, pytest.mark.integration]

FAST = {"heartbeat_seconds": 0.5, "handover_seconds": 1.5, "session_timeout_seconds": 3}
KILLS = 12
RULES = {
    "rules": [
        {"name": "llms", "match": {"any": ["language model"]}, "notify": [{"to": "a"}]},
        {"name": "vision", "match": {"any": ["vision"]}, "notify": [{"to": "feed"}]},
    ]
}


@pytest.fixture
def postgres_url() -> Iterator[str]:
    yield from postgres_schema_url()


def _paper(n: int, topic: str = "a small language model") -> tuple[str, str, str]:
    return (f"2511.{n:05d}", f"Paper {n}: {topic}", f"We study {topic} number {n}.")


def _site(root: Path, state: str, imap_port: int, feed_at: str) -> Path:
    (root / "inbox").mkdir()
    (root / "rules").mkdir()
    rules = json.loads(json.dumps(RULES))
    rules["rules"][1]["notify"][0].update({"mode": "daily", "at": feed_at, "timezone": "UTC"})
    (root / "rules" / "rules.yaml").write_text(yaml.safe_dump(rules))
    config: dict[str, Any] = {
        "state": state,
        "rules": str(root / "rules"),
        "sources": [
            {
                "name": "mail",
                "kind": "imap",
                "host": "127.0.0.1",
                "port": imap_port,
                "security": "none",
                "username": USER,
                "password_env": "IMAP_PASSWORD",
                "connect_timeout": 5,
                "read_timeout": 10,
                "sweep_seconds": 3,
            },
            {"name": "drop", "kind": "directory", "path": str(root / "inbox"), "poll": "* * * * *"},
        ],
        "destinations": {
            "a": {"kind": "file", "path": str(root / "out" / "a")},
            "feed": {"kind": "file", "path": str(root / "out" / "feed")},
        },
        "delivery": {"backoff_seconds": 1, "max_attempts": 20},
        "replicas": FAST,
    }
    path = root / "mailer.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


class DigestStream:
    """Appends a digest to Dovecot every `imap_every` s and drops one in the directory
    every `dir_every` s, until stopped; remembers which alerts that should make."""

    def __init__(self, dovecot: DovecotServer, inbox: Path) -> None:
        self.dovecot = dovecot
        self.inbox = inbox
        self.expected: set[tuple[str, str, str]] = set()
        self._n = 1000
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _digest(self) -> bytes:
        papers = [_paper(self._n), _paper(self._n + 1)]
        self.expected |= {("llms", "a", f"arxiv:{p[0]}") for p in papers}
        raw = digest_email(f"s{self._n}", datetime.now(UTC), papers)
        self._n += 2
        return raw

    def _run(self) -> None:
        tick = 0
        while not self._stop.wait(0.8):
            self.dovecot.append(self._digest())
            if tick % 2 == 0:
                (self.inbox / f"drop-{self._n}.eml").write_bytes(self._digest())
            tick += 1


def _feed_time(now: datetime) -> datetime:
    """The first minute boundary at least 25 s away: the daily feed falls due then."""
    at = (now + timedelta(seconds=25)).replace(second=0, microsecond=0) + timedelta(minutes=1)
    return at if (at - now).total_seconds() < 85 else at - timedelta(minutes=1)


def test_the_leader_killed_again_and_again_loses_no_alert_and_sends_none_twice(
    tmp_path: Path, dovecot: DovecotServer, postgres_url: str
) -> None:
    rng = random.Random(16)
    feed_at = _feed_time(datetime.now(UTC))
    config = _site(tmp_path, postgres_url, dovecot.port, feed_at.strftime("%H:%M"))
    feed_papers = [_paper(n, "vision transformers") for n in range(1, 9)]
    for n in range(0, 8, 2):  # the daily feed's papers are there from the start
        raw = digest_email(f"v{n}", datetime.now(UTC), feed_papers[n : n + 2])
        (tmp_path / "inbox" / f"vision-{n}.eml").write_bytes(raw)
    feed_expected = {("vision", "feed", f"arxiv:{p[0]}") for p in feed_papers}
    env = {**os.environ, "IMAP_PASSWORD": PASSWORD}
    replicas = [Replica(tmp_path, config, n, env) for n in range(3)]
    stream = DigestStream(dovecot, tmp_path / "inbox")
    started = time.monotonic()
    takeovers: list[float] = []
    kill_notes: list[str] = []
    try:
        leader, _ = wait_for_leader(replicas, timeout=30)
        stream.start()
        feed_killed = False
        while len(takeovers) < KILLS or not feed_killed:
            to_feed = (feed_at - datetime.now(UTC)).total_seconds()
            dwell = rng.uniform(0.5, 4.0)
            at_feed = not feed_killed and to_feed < dwell + 0.5
            time.sleep(max(0.0, to_feed + 0.05) if at_feed else dwell)
            feed_killed = feed_killed or at_feed
            leader, _ = wait_for_leader(replicas, timeout=20)  # the one leading now
            outbox = _outbox_counts(postgres_url)
            leader.kill()
            killed_at = time.monotonic()
            kill_notes.append(
                f"kill {len(takeovers) + 1}: replica {leader.number} "
                f"{'at the daily feed' if at_feed else f'after {dwell:.1f}s'}, outbox {outbox}"
            )
            if len(takeovers) == KILLS - 3:
                stream.stop()  # the last kills come after the stream, then all must arrive
            living = [r for r in replicas if r.is_running()]
            replacement = Replica(tmp_path, config, len(replicas), env)  # as a supervisor would
            replicas.append(replacement)
            leader, seen_at = wait_for_leader([*living, replacement], timeout=20, poll=0.02)
            takeovers.append(seen_at - killed_at)
        if not stream._stop.is_set():
            stream.stop()
        expected = stream.expected | feed_expected
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            counts, batches = deliveries(tmp_path / "out")
            if expected <= set(counts):
                break
            time.sleep(0.5)
        time.sleep(2)  # anything sent twice late would show now
        counts, batches = deliveries(tmp_path / "out")
        status = _status_json(tmp_path, config, env)
        roles = leaders_seen([r for r in replicas if r.is_running()])
        running = {r.pid for r in replicas if r.is_running()}
    finally:
        if not stream._stop.is_set():
            stream.stop()
        codes = [r.stop() for r in replicas if r.is_running()]
    for replica in replicas:  # a standby fetches nothing: it parses only once it leads
        entries = [str(e.get("msg")) for e in replica.logs()]
        led = next((i for i, m in enumerate(entries) if m.startswith("leading:")), len(entries))
        assert not any(m.startswith("parsed") for m in entries[:led]), replica.number
    missing = expected - set(counts)
    unexpected = set(counts) - expected
    twice = {key: n for key, n in counts.items() if n > 1}
    twice_batches = [b for b in batches if any(key in twice for key in b)]
    print(
        f"\nfailover: {len(takeovers)} leader kills in {time.monotonic() - started:.0f}s; "
        f"{len(expected)} alerts expected ({len(feed_expected)} in the daily feed), "
        f"{sum(counts.values())} deliveries, {len(missing)} missing, "
        f"{len(twice)} delivered twice (in {len({tuple(b) for b in twice_batches})} batch(es) "
        "in flight at a kill, sent again); "
        f"takeover median {statistics.median(takeovers):.2f}s, max {max(takeovers):.2f}s "
        f"(each: {', '.join(f'{t:.2f}' for t in takeovers)})"
    )
    print("\n".join(kill_notes))
    changes = [str(e["msg"]) for r in replicas for e in r.logs()]
    print(f"step-downs other than by a kill or a stop: {_unprompted(changes)}")
    assert not missing, sorted(missing)[:10]
    assert not unexpected
    assert all(n == 2 for n in twice.values())  # never three times
    assert len({tuple(b) for b in twice_batches}) <= len(takeovers)
    assert max(takeovers) < 15
    assert roles == [leader.number]
    assert set(codes) == {0}
    listed = [r for r in status["service"]["replicas"] if r["pid"] in running]
    assert sorted(r["role"] for r in listed) == ["leader", "standby", "standby"]
    assert all(r["alive"] and r["last_heartbeat"] for r in listed)
    assert [r["pid"] for r in status["service"]["replicas"] if r["role"] == "leader"] == [
        leader.pid
    ]  # the killed ones were demoted by the leader that followed them


def test_a_leader_cut_off_from_the_database_steps_down_before_the_new_one_fetches(
    tmp_path: Path, dovecot: DovecotServer, postgres_url: str
) -> None:
    config = _site(tmp_path, postgres_url, dovecot.port, "03:00")
    env = {**os.environ, "IMAP_PASSWORD": PASSWORD}
    replicas = [Replica(tmp_path, config, n, env) for n in range(3)]
    try:
        old, _ = wait_for_leader(replicas, timeout=30)
        time.sleep(1.0)  # all three are up and standing by
        cut = _terminate_backends_of(old.pid)
        assert cut >= 1
        others = [r for r in replicas if r is not old]
        new, _ = wait_for_leader(others, timeout=15)
        dovecot.append(digest_email("after-cut", datetime.now(UTC), [_paper(1)]))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not deliveries(tmp_path / "out")[0]:
            time.sleep(0.2)
        counts, _ = deliveries(tmp_path / "out")
        assert old.is_running()
        assert old.role() == "standby"
        changes = [e["msg"] for r in replicas for e in r.logs() if "leader" in str(e.get("msg"))]
    finally:
        for replica in replicas:
            replica.stop()
    stepped_down = first_log(old, "stepped down as the leader")
    took_over = first_log(new, "now the leader")
    fetching = first_log(new, "leading: fetching")
    assert stepped_down
    assert took_over
    assert fetching
    assert stepped_down["ts"] < took_over["ts"] <= fetching["ts"]
    assert counts == {("llms", "a", "arxiv:2511.00001"): 1}
    assert sum("stepped down" in m for m in changes) == 1  # once on each side
    assert sum("now the leader" in m for m in changes) == 2  # the first, and the new one
    gap = datetime.fromisoformat(fetching["ts"]) - datetime.fromisoformat(stepped_down["ts"])
    print(
        f"\nnetwork cut: old leader stepped down {gap.total_seconds():.2f}s before the new fetched"
    )


def _unprompted(messages: list[str]) -> int:
    """Leaders that stepped down on their own (a check that came too late, say)."""
    return sum("stepped down as the leader, now a standby" in m for m in messages)


def _terminate_backends_of(pid: int) -> int:
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
            (f"paper-mailer {pid}",),
        ).fetchall()
    return len(rows)


def _outbox_counts(url: str) -> str:
    schema = url.rpartition("search_path%3D")[2]
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        rows = conn.execute(
            f'SELECT state, count(*), count(claimed_by) FROM "{schema}".outbox GROUP BY state'
        ).fetchall()
    return " ".join(f"{state}={n}(claimed {c})" for state, n, c in sorted(rows)) or "empty"


def _status_json(root: Path, config: Path, env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "mailer", "status", "--json", "--config", str(config)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def test_a_frozen_leader_is_replaced_and_steps_down_when_it_wakes(
    tmp_path: Path, dovecot: DovecotServer, postgres_url: str
) -> None:
    config = _site(tmp_path, postgres_url, dovecot.port, "03:00")
    env = {**os.environ, "IMAP_PASSWORD": PASSWORD}
    replicas = [Replica(tmp_path, config, n, env) for n in range(2)]
    try:
        old, _ = wait_for_leader(replicas, timeout=30)
        [standby] = [r for r in replicas if r is not old]
        time.sleep(1.0)
        os.kill(old.pid, signal.SIGSTOP)  # its lock session stays open, idle
        frozen_at = time.monotonic()
        wait_for_leader([standby], timeout=15)
        takeover = time.monotonic() - frozen_at
        os.kill(old.pid, signal.SIGCONT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and old.role() != "standby":
            time.sleep(0.1)
        assert old.role() == "standby"
        assert standby.role() == "leader"
        dovecot.append(digest_email("after-freeze", datetime.now(UTC), [_paper(2)]))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not deliveries(tmp_path / "out")[0]:
            time.sleep(0.2)
        time.sleep(1)
        counts, _ = deliveries(tmp_path / "out")
    finally:
        for replica in replicas:
            replica.stop()
    # PostgreSQL ended the frozen leader's idle session (session_timeout_seconds)
    assert FAST["session_timeout_seconds"] <= takeover < 15
    assert counts == {("llms", "a", "arxiv:2511.00002"): 1}
    assert first_log(old, "stepped down as the leader")
    print(f"\nfrozen leader: replaced after {takeover:.2f}s")
