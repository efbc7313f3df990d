"""Backfill: `mailer run --since DATE` searches the mailbox with SINCE DATE and processes
every message found again (as documented), with progress; only new matches alert, and
an interrupted backfill run again alerts every paper exactly once."""

from __future__ import annotations

import io
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from rich.console import Console

from mailer.commands.fetch_progress import fetch_progress

from .dovecot import PASSWORD, DovecotServer
from .imap_kit import digest, imap_settings, open_pipeline, wait_for, write_imap_config

pytestmark = pytest.mark.integration


def recorded_messages(database: Path) -> int:
    try:
        with sqlite3.connect(database) as db:
            return int(db.execute("select count(*) from messages").fetchone()[0])
    except sqlite3.Error:
        return 0


def delivered(alerts: Path) -> list[Path]:
    return [p for p in alerts.glob("*.json") if not p.name.endswith(".slack.json")]


def test_progress_shows_count_and_rate(tmp_path: Path, dovecot: DovecotServer) -> None:
    for n in range(1, 8):
        dovecot.append(digest(n))
    pipe, _recorder = open_pipeline(imap_settings(tmp_path, dovecot, batch_size=3))
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=120)
    with fetch_progress(pipe, console):
        summary = pipe.run_once()
    assert summary.emails == 7
    shown = screen.getvalue()
    assert "fetching mail" in shown
    assert "7/7" in shown
    assert "msg/s" in shown
    pipe.close()


@pytest.mark.slow
def test_an_interrupted_backfill_run_again_alerts_every_paper_exactly_once(
    tmp_path: Path, dovecot: DovecotServer
) -> None:
    total = 300
    with dovecot.client() as client:
        for n in range(1, total + 1):
            client.append("INBOX", digest(n))
    config = write_imap_config(tmp_path, dovecot, batch_size=25)
    command = [sys.executable, "-m", "mailer", "run", "--once", "--since", "2025-01-01"]
    command += ["--config", str(config)]
    env = {**os.environ, "IMAP_PASSWORD": PASSWORD}
    database = tmp_path / "mailer.db"

    first = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for(lambda: recorded_messages(database) >= 40, timeout=60, step=0.01)
        first.send_signal(signal.SIGINT)
        assert first.wait(timeout=10) == 130  # interrupted
    finally:
        if first.poll() is None:
            first.kill()
    done_first = recorded_messages(database)
    assert 40 <= done_first < total

    started = time.monotonic()
    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stderr
    assert second.stdout.startswith(f"{total} emails"), second.stdout  # all, since DATE
    assert recorded_messages(database) == total
    assert len(delivered(tmp_path / "alerts")) == total  # every paper alerted exactly once
    assert time.monotonic() - started < 60


def test_since_processes_the_mailbox_again_by_date_and_alerts_only_new_matches(
    tmp_path: Path, dovecot: DovecotServer
) -> None:
    with dovecot.client() as client:
        client.append("INBOX", digest(1), msg_time=datetime(2025, 9, 1, 12, 0, tzinfo=UTC))
        for n in (2, 3):
            client.append("INBOX", digest(n), msg_time=datetime(2025, 10, 14, 6, 0, tzinfo=UTC))
    config = write_imap_config(tmp_path, dovecot)
    command = [sys.executable, "-m", "mailer", "run", "--config", str(config)]
    env = {**os.environ, "IMAP_PASSWORD": PASSWORD}
    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("3 emails"), first.stdout
    assert subprocess.run(command, env=env, capture_output=True, text=True).stdout.startswith(
        "0 emails"
    )

    # a new rule, then a backfill since October: the two October digests are read again
    rules = yaml.safe_load((tmp_path / "rules" / "rules.yaml").read_text())
    rules["rules"].append({"name": "small-models", "match": {"any": ["small language model"]},
                           "notify": [{"to": "team"}]})  # fmt: skip
    (tmp_path / "rules" / "rules.yaml").write_text(yaml.safe_dump(rules))
    backfill = [*command, "--since", "2025-10-01"]
    again = subprocess.run(backfill, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    line = again.stdout.splitlines()[0]
    assert line.startswith("2 emails, 2 papers, 4 matches, 2 alerts sent"), line
    assert "fetching mail: 2/2 messages" in again.stderr  # progress when not a terminal
    assert len(delivered(tmp_path / "alerts")) == 3 + 2  # one message per digest and rule
