"""`mailer watch`: alert as digests arrive (IMAP IDLE), in the foreground, until stopped."""

from __future__ import annotations

import logging
import signal
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

import click

from mailer.commands.common import EXIT_FAILURES, EXIT_OK, config_option
from mailer.commands.pipeline_cli import open_pipeline_or_exit
from mailer.health import FetchBoard
from mailer.jobs import ServiceJobs
from mailer.watch import SourceWatchers

log = logging.getLogger("mailer.watch")
STOP_SECONDS = 8.0


def utc_now() -> datetime:
    return datetime.now(UTC)


@click.command(name="watch")
@config_option
def watch(config_path: Path) -> None:
    """Watch every source and deliver alerts as soon as a digest arrives.

    IMAP sources are watched with IDLE (servers without it are polled every
    `sweep_seconds`), directory sources are polled every minute. Immediate alerts
    leave as each message is stored; daily feeds need `mailer serve`. Stops cleanly
    on Ctrl-C or SIGTERM, finishing the message in hand (exit status 0); exits with
    status 1 if a watcher stops on an unexpected error, so a supervisor restarts it.

    \b
    Example:
      mailer watch --config config/mailer.yaml
    """
    pipeline = open_pipeline_or_exit(config_path)
    settings = pipeline.settings
    stopping = threading.Event()
    jobs = ServiceJobs(
        pipeline,
        FetchBoard(s.name for s in settings.sources),
        clock=utc_now,
        stopping=stopping,
        on_config_change=lambda _settings: log.warning(
            "the config changed: restart `mailer watch` to use it"
        ),
        on_rules_change=lambda _rules: None,
    )
    watchers = SourceWatchers(jobs)

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        log.info("stopping (%s)", signal.Signals(signum).name)
        stopping.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    click.echo(f"watching {len(settings.sources)} source(s); Ctrl-C to stop", err=True)
    exit_code = EXIT_OK
    try:
        watchers.start()
        while not stopping.wait(1.0):
            dead = [s for s in watchers.statuses() if s.state == "stopped"]
            if dead:  # a watcher thread ended on its own: exit so a supervisor restarts us
                for status in dead:
                    reason = status.last_error or "watcher stopped"
                    click.echo(f"error: source {status.source}: {reason}; exiting", err=True)
                exit_code = EXIT_FAILURES
                break
    finally:
        deadline = time.monotonic() + STOP_SECONDS
        watchers.stop(timeout=STOP_SECONDS / 2)
        jobs.wait_idle(deadline)
        pipeline.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    raise SystemExit(exit_code)
