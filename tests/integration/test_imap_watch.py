"""Watch mode against a real Dovecot: push through IDLE within seconds, polling fallback,
reconnection after an outage with exactly-once processing, prompt stop."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from mailer.config.settings import ImapSource as ImapConfig
from mailer.core.timings import Timings
from mailer.runtime.generation import open_watcher
from mailer.runtime.jobs import ServiceJobs
from mailer.runtime.metrics import REGISTRY
from mailer.sources.imap_idle import ImapWatcher, _MailboxSize

from .dovecot import PASSWORD, DovecotServer
from .imap_kit import (
    alerted_papers,
    digest,
    imap_settings,
    open_pipeline,
    service_jobs,
    wait_for,
    write_imap_config,
)

pytestmark = pytest.mark.integration
RECONNECTS = "mailer_imap_reconnects_total"


def test_a_message_appended_while_idling_alerts_within_5_seconds(
    tmp_path: Path, dovecot: DovecotServer
) -> None:
    dovecot.append(digest(1))
    pipe, recorder = open_pipeline(imap_settings(tmp_path, dovecot))
    watcher = open_watcher(pipe.source("mail"), service_jobs(pipe))
    watcher.start()
    try:
        wait_for(lambda: watcher.status().state == "idling", timeout=5)
        # the sweep on connect (delivery runs in its own lane, a moment later)
        wait_for(lambda: alerted_papers(recorder) == ["arxiv:2510.00001"], timeout=5)
        dovecot.append(digest(2))
        latency = wait_for(lambda: len(recorder.alerts()) == 2, timeout=5)
        assert latency < 5
        wait_for(lambda: watcher.status().sweeps >= 2, timeout=2)  # counted once it returns
        status = watcher.status()
        # pushed by IDLE: one sweep on connect, one for the new mail, no polling
        assert (status.mode, status.sweeps) == ("idle", 2)
        wait_for(lambda: watcher.status().state == "idling", timeout=2)
        assert status.last_fetch is not None
        assert status.last_error is None
    finally:
        watcher.stop()
        watcher.join(5)
        pipe.close()
    assert ImapConfig.model_fields["sweep_seconds"].default >= 60  # polling is minutes


def test_mail_that_arrives_during_the_sweep_on_connect_is_swept_before_idling(
    tmp_path: Path, dovecot: DovecotServer
) -> None:
    """Dovecot announces at the start of IDLE nothing that came before it: mail that
    lands between the connect sweep's search and IDLE waited for the next safety sweep
    (minutes) until a NOOP before IDLE collected it (found in `test_serve`, 2 of 10 runs)."""
    pipe, recorder = open_pipeline(imap_settings(tmp_path, dovecot))
    jobs = service_jobs(pipe)
    config = pipe.settings.sources[0]
    assert isinstance(config, ImapConfig)
    sweeps: list[float] = []

    def sweep() -> None:
        jobs.sweep("mail")
        sweeps.append(time.monotonic())
        if len(sweeps) == 1:  # new mail just after the connect sweep looked
            dovecot.append(digest(1))

    watcher = ImapWatcher(config, pipe.settings, sweep)
    watcher.start()
    try:
        wait_for(lambda: len(recorder.alerts()) == 1, timeout=5)
        assert len(sweeps) == 2
        assert config.sweep_seconds >= 60  # not the safety sweep
    finally:
        watcher.stop()
        watcher.join(5)
        pipe.close()


def test_a_server_without_idle_is_polled_and_says_so_once(
    tmp_path: Path, dovecot_server: Callable[..., DovecotServer], caplog: pytest.LogCaptureFixture
) -> None:
    server = dovecot_server(idle=False)
    pipe, recorder = open_pipeline(imap_settings(tmp_path, server, sweep_seconds=1))
    watcher = open_watcher(pipe.source("mail"), service_jobs(pipe))
    with caplog.at_level(logging.INFO, logger="mailer"):
        watcher.start()
        try:
            wait_for(lambda: watcher.status().state == "polling", timeout=5)
            server.append(digest(1))
            wait_for(lambda: len(recorder.alerts()) == 1, timeout=5)
            assert watcher.status().mode == "poll"
        finally:
            watcher.stop()
            watcher.join(5)
            pipe.close()
    assert sum("has no IDLE" in r.getMessage() for r in caplog.records) == 1


@pytest.mark.slow
def test_after_a_30_second_outage_the_watcher_reconnects_and_processes_once(
    tmp_path: Path, dovecot: DovecotServer, caplog: pytest.LogCaptureFixture
) -> None:
    dovecot.append(digest(1))
    pipe, recorder = open_pipeline(imap_settings(tmp_path, dovecot))
    jobs = service_jobs(pipe)
    config = pipe.settings.sources[0]
    assert config.kind == "imap"
    watcher = ImapWatcher(
        config,
        pipe.settings,
        lambda: jobs.sweep(config.name),
        timings=Timings(max_backoff=4),
        on_failure=lambda error: jobs.record_fetch(config.name, error),
    )
    reconnects_before = REGISTRY.get_sample_value(RECONNECTS, {"source": "mail"}) or 0
    with caplog.at_level(logging.INFO, logger="mailer"):
        watcher.start()
        try:
            wait_for(lambda: watcher.status().state == "idling", timeout=5)
            dovecot.stop()
            wait_for(lambda: watcher.status().state == "backoff", timeout=5)
            dovecot.deliver_offline(digest(2))  # mail keeps arriving while IMAP is down
            dovecot.deliver_offline(digest(3))
            time.sleep(30)
            assert watcher.status().reconnects >= 4  # it kept trying...
            reconnects = REGISTRY.get_sample_value(RECONNECTS, {"source": "mail"}) or 0
            assert abs(reconnects - reconnects_before - watcher.status().reconnects) <= 1
            assert "refused" in (jobs.board.get("mail").error or "")  # ...and /healthz knows
            assert "refused" in (watcher.status().last_error or "")
            dovecot.start()
            wait_for(lambda: watcher.status().state == "idling", timeout=10)
            wait_for(lambda: len(recorder.alerts()) == 3, timeout=5)
            dovecot.append(digest(4))
            wait_for(lambda: len(recorder.alerts()) == 4, timeout=5)
            time.sleep(1)
        finally:
            watcher.stop()
            watcher.join(5)
            pipe.close()
    assert alerted_papers(recorder) == [f"arxiv:2510.0000{n}" for n in (1, 2, 3, 4)]
    messages = [r.getMessage() for r in caplog.records]
    assert sum("reconnecting with backoff" in m for m in messages) == 1  # ...but said so once
    assert sum("reconnected after" in m for m in messages) == 1


def test_stop_returns_promptly_while_idling(tmp_path: Path, dovecot: DovecotServer) -> None:
    pipe, _recorder = open_pipeline(imap_settings(tmp_path, dovecot))
    watcher = open_watcher(pipe.source("mail"), service_jobs(pipe))
    watcher.start()
    wait_for(lambda: watcher.status().state == "idling", timeout=5)
    started = time.monotonic()
    watcher.stop()
    watcher.join(10)
    assert time.monotonic() - started < 3
    assert watcher.status().state == "stopped"
    pipe.close()


@pytest.mark.parametrize("command", ["watch", "serve"])
def test_the_command_alerts_to_a_file_through_idle_and_exits_on_sigterm(
    tmp_path: Path, dovecot: DovecotServer, command: str
) -> None:
    config = write_imap_config(tmp_path, dovecot)
    env = {**os.environ, "IMAP_PASSWORD": PASSWORD}
    log_path = tmp_path / "watch.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "mailer", "--log-format", "text", command, "--config", config],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=env,
        )
    alerts = tmp_path / "alerts"

    def delivered() -> int:
        return len([p for p in alerts.glob("*.json") if not p.name.endswith(".slack.json")])

    try:
        wait_for(lambda: "with IDLE" in log_path.read_text(), timeout=15, step=0.1)
        dovecot.append(digest(1))
        # well under the 300 s safety sweep, so only IDLE can deliver it; 5 s was too
        # tight for a subprocess start-up on a loaded 2-core machine (failed 2 runs in 4)
        wait_for(lambda: delivered() == 1, timeout=20, step=0.05)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert time.monotonic() - started < 10
    finally:
        if process.poll() is None:
            process.kill()
    assert "secret" not in log_path.read_text()


def test_a_folder_recreated_while_watched_alerts_only_the_new_messages(
    tmp_path: Path, dovecot: DovecotServer
) -> None:
    for n in (1, 2):
        dovecot.append(digest(n), folder="Papers")
    pipe, recorder = open_pipeline(imap_settings(tmp_path, dovecot, folder="Papers"))
    jobs = service_jobs(pipe)
    watcher = open_watcher(pipe.source("mail"), jobs)
    watcher.start()
    try:
        wait_for(lambda: watcher.status().state == "idling", timeout=5)
        wait_for(lambda: len(recorder.alerts()) == 2, timeout=5)  # delivered in its lane
        dovecot.delete_folder("Papers")  # Dovecot drops the IDLE connection on that folder
        for n in (1, 2, 3):
            dovecot.append(digest(n), folder="Papers")
        wait_for(lambda: len(recorder.alerts()) == 3, timeout=10)
        wait_for(lambda: watcher.status().state == "idling", timeout=5)
        dovecot.append(digest(4), folder="Papers")
        wait_for(lambda: len(recorder.alerts()) == 4, timeout=5)
        time.sleep(0.5)
    finally:
        watcher.stop()
        watcher.join(5)
        pipe.close()
    assert alerted_papers(recorder) == [f"arxiv:2510.0000{n}" for n in (1, 2, 3, 4)]


def test_idle_is_renewed_with_a_noop_heartbeat_without_sweeping(
    tmp_path: Path, dovecot: DovecotServer, caplog: pytest.LogCaptureFixture
) -> None:
    pipe, recorder = open_pipeline(imap_settings(tmp_path, dovecot, idle_renew_seconds=0.5))
    watcher = open_watcher(pipe.source("mail"), service_jobs(pipe))
    with caplog.at_level(logging.DEBUG, logger="imapclient"):
        watcher.start()
        try:
            wait_for(lambda: watcher.status().state == "idling", timeout=5)
            time.sleep(3)
            sent = [r.getMessage() for r in caplog.records if r.getMessage().startswith(">")]
            assert sum(m.endswith(" IDLE'") for m in sent) >= 3  # re-issued...
            assert sum(m.endswith(" NOOP'") for m in sent) >= 2  # ...with a heartbeat
            assert watcher.status().sweeps == 1  # renewing is not polling
            dovecot.append(digest(1))
            wait_for(lambda: len(recorder.alerts()) == 1, timeout=5)
        finally:
            watcher.stop()
            watcher.join(5)
            pipe.close()


def test_a_sweep_that_keeps_failing_is_logged_once_per_outage(
    tmp_path: Path, dovecot: DovecotServer, caplog: pytest.LogCaptureFixture
) -> None:
    settings = imap_settings(tmp_path, dovecot)
    config = settings.sources[0]
    assert config.kind == "imap"
    attempts: list[float] = []

    def failing_sweep() -> None:  # connecting works; the store does not
        attempts.append(time.monotonic())
        raise RuntimeError("database is locked")

    watcher = ImapWatcher(config, settings, failing_sweep, timings=Timings(max_backoff=0.5))
    with caplog.at_level(logging.INFO, logger="mailer"):
        watcher.start()
        try:
            wait_for(lambda: len(attempts) >= 4, timeout=10)
        finally:
            watcher.stop()
            watcher.join(5)
    messages = [r.getMessage() for r in caplog.records]
    assert sum("reconnecting with backoff" in m for m in messages) == 1, messages
    last_error = watcher.status().last_error or ""
    assert "processing failed: RuntimeError: database is locked" in last_error
    assert "IMAP error" not in last_error  # the connection was fine


def test_a_watcher_that_dies_says_so_in_its_status_and_the_log(
    tmp_path: Path, dovecot: DovecotServer, caplog: pytest.LogCaptureFixture
) -> None:
    settings = imap_settings(tmp_path, dovecot)
    config = settings.sources[0]
    assert config.kind == "imap"

    def fatal_sweep() -> None:  # not an Exception: no backoff can help
        raise SystemExit(3)

    watcher = ImapWatcher(config, settings, fatal_sweep)
    with caplog.at_level(logging.INFO, logger="mailer"):
        watcher.start()
        watcher.join(10)
    status = watcher.status()
    assert status.state == "stopped"
    assert not status.is_healthy
    assert "SystemExit" in (status.last_error or "")
    assert any(r.levelno == logging.CRITICAL for r in caplog.records)


def test_the_command_exits_1_when_a_watcher_dies(
    tmp_path: Path, dovecot: DovecotServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from mailer.cli import cli

    def fatal_sweep(_jobs: object, _name: str) -> None:  # the narrow seam: the sweep
        raise SystemExit(3)

    monkeypatch.setattr(ServiceJobs, "sweep", fatal_sweep)
    config = write_imap_config(tmp_path, dovecot)
    started = time.monotonic()
    result = CliRunner().invoke(
        cli, ["watch", "--config", str(config)], env={"IMAP_PASSWORD": PASSWORD}
    )
    assert result.exit_code == 1, result.output
    assert "error: source mail: watcher stopped: SystemExit: 3; exiting" in result.stderr
    assert time.monotonic() - started < 15


def test_the_directory_poller_outlives_a_failing_round(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """`mailer watch` polls a directory every minute (`WATCH`'s `default_poll`): here
    every 0.05 s, through the same scheduler jobs as `mailer serve`."""
    from datetime import UTC, datetime

    from mailer.config.settings import Settings
    from mailer.runtime.scheduler import new_scheduler, schedule_jobs
    from mailer.runtime.service import WATCH

    assert WATCH.timings.default_poll == 60.0
    rounds: list[str] = []

    class Jobs:  # the narrow seam: the jobs' fetch
        def fetch_source(self, name: str) -> None:
            rounds.append(name)
            if len(rounds) == 1:
                raise RuntimeError("delivery failed: database is locked")

        def deliver_due(self) -> None: ...
        def check_for_changes(self) -> None: ...
        def check_silence(self) -> None: ...
        def housekeeping(self) -> None: ...

    settings = Settings.model_validate(
        {
            "sources": [{"name": "inbox", "kind": "directory", "path": str(tmp_path)}],
            "destinations": {"team": {"kind": "console"}},
        }
    )
    scheduler = new_scheduler()
    timings = Timings(default_poll=0.05)
    schedule_jobs(scheduler, settings, [], Jobs(), lambda: datetime.now(UTC), timings=timings)
    with caplog.at_level(logging.ERROR, logger="mailer"):
        scheduler.start()
        try:
            wait_for(lambda: len(rounds) >= 3, timeout=5)
        finally:
            scheduler.shutdown(wait=True)
    assert any("polling failed" in r.getMessage() for r in caplog.records)


class _LateExistsClient:
    """An IDLE connection on which new mail is announced just as IDLE is renewed: the
    EXISTS arrives with the answer to DONE (the narrow seam: the IMAP client)."""

    def __init__(self) -> None:
        self.dones = 0

    def idle(self) -> None:
        pass

    def idle_check(self, timeout: float) -> list[object]:
        time.sleep(0.05)  # nothing new within the check (past the 0.01 s renewal time)
        return []

    def idle_done(self) -> tuple[bytes, list[object]]:
        self.dones += 1
        return b"Idle terminated", [(3, b"EXISTS")] if self.dones == 1 else []

    def noop(self) -> tuple[bytes, list[object]]:
        return b"NOOP completed", []


def test_mail_announced_with_the_end_of_idle_is_swept_at_once(
    tmp_path: Path, dovecot: DovecotServer
) -> None:
    settings = imap_settings(tmp_path, dovecot, idle_renew_seconds=0.01)
    config = settings.sources[0]
    assert config.kind == "imap"
    sweeps: list[int] = []

    def sweep() -> None:
        sweeps.append(1)
        watcher.stop()

    watcher = ImapWatcher(config, settings, sweep)
    watcher._watch_with_idle(_LateExistsClient())
    assert sweeps == [1]


class _SlippedInClient:
    """An IDLE connection where mail lands between the NOOP before IDLE and IDLE itself:
    neither announces it (Dovecot 2.3); the NOOP at the next renewal does."""

    def __init__(self, give_up: Callable[[], None]) -> None:
        self.noops = 0
        self.started = time.monotonic()
        self.give_up = give_up

    def idle(self) -> None:
        pass

    def idle_check(self, timeout: float) -> list[object]:
        time.sleep(timeout)  # nothing announced
        if time.monotonic() - self.started > 3:  # long past the renewal
            self.give_up()
        return []

    def idle_done(self) -> tuple[bytes, list[object]]:
        return b"Idle terminated", []

    def noop(self) -> tuple[bytes, list[object]]:
        self.noops += 1
        return b"NOOP completed", [(1, b"EXISTS")] if self.noops == 2 else []


def test_mail_that_lands_just_before_idle_is_found_at_the_next_renewal(
    tmp_path: Path, dovecot: DovecotServer
) -> None:
    # by default such mail waits at most a minute (it waited for the 5-minute sweep)
    assert ImapConfig.model_fields["idle_renew_seconds"].default <= 60
    settings = imap_settings(tmp_path, dovecot, idle_renew_seconds=0.3)
    config = settings.sources[0]
    assert config.kind == "imap"
    swept_after: list[float] = []

    def sweep() -> None:
        swept_after.append(time.monotonic() - client.started)
        watcher.stop()

    watcher = ImapWatcher(config, settings, sweep, timings=Timings(stop_check=0.1))
    client = _SlippedInClient(watcher.stop)
    watcher._watch_with_idle(client)
    assert len(swept_after) == 1
    assert swept_after[0] < 2


class _RepeatingExistsClient:
    """A server that repeats `* 5 EXISTS` with every NOOP and DONE although nothing arrives
    (some do), until `arrive()` makes it 6 (the narrow seam: the IMAP client)."""

    def __init__(self) -> None:
        self.count = 5
        self.noops = 0

    def arrive(self) -> None:
        self.count += 1

    def idle(self) -> None:
        pass

    def idle_check(self, timeout: float) -> list[object]:
        time.sleep(timeout)  # nothing announced
        return []

    def idle_done(self) -> tuple[bytes, list[object]]:
        return b"Idle terminated", [(self.count, b"EXISTS")]

    def noop(self) -> tuple[bytes, list[object]]:
        self.noops += 1
        return b"NOOP completed", [(self.count, b"EXISTS")]


def test_a_server_that_repeats_exists_on_every_noop_does_not_make_the_watcher_sweep_again(
    tmp_path: Path, dovecot: DovecotServer
) -> None:
    # it used to sweep on every renewal, and the catch-up loop before IDLE never ended
    settings = imap_settings(tmp_path, dovecot, idle_renew_seconds=0.05)
    config = settings.sources[0]
    assert config.kind == "imap"
    client = _RepeatingExistsClient()
    sweeps: list[int] = []

    def sweep() -> None:
        sweeps.append(client.count)
        if len(sweeps) == 2:
            watcher.stop()

    watcher = ImapWatcher(config, settings, sweep, timings=Timings(stop_check=0.05))
    thread = threading.Thread(target=watcher._watch_with_idle, args=(client,), daemon=True)
    thread.start()
    wait_for(lambda: client.noops >= 8, timeout=10)  # several renewals, each with its NOOP
    assert sweeps == [5]  # the first EXISTS of the connection only (its count was unknown)
    client.arrive()  # a real arrival: the count grows
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert sweeps == [5, 6]


def test_mail_that_replaces_expunged_mail_still_counts_as_new() -> None:
    size = _MailboxSize()
    assert size.grew([(5, b"EXISTS")])  # the first count on a connection is news
    assert not size.grew([(5, b"EXISTS")])  # repeated: nothing arrived
    assert not size.grew([(2, b"EXPUNGE")])
    assert size.grew([(5, b"EXISTS")])  # one deleted, one arrived: the same count, new mail
    assert not size.grew([(b"FLAGS", (b"\\Seen",)), (3, b"RECENT")])
    seeded = _MailboxSize(5)  # from SELECT's answer: a repeated 5 is no news
    assert not seeded.grew([(5, b"EXISTS")])
    assert seeded.grew([(6, b"EXISTS")])
