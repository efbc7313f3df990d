"""`mailer serve`: the long-running service (see mailer/runtime/service.py). `run_service` is
also `mailer watch`'s (the same runtime with the `WATCH` preset)."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType

import click

from mailer.commands.common import (
    EXIT_CONFIG,
    EXIT_FAILURES,
    EXIT_OK,
    config_option,
    load_settings_or_exit,
)
from mailer.config.settings import Settings
from mailer.runtime.generation import ServiceFailure
from mailer.runtime.health import parse_listen_address
from mailer.runtime.service import SERVE, HttpAddress, Preset, Service

log = logging.getLogger(__name__)


def _parse_http(
    _ctx: click.Context, _param: click.Parameter, value: str | None
) -> HttpAddress | None:
    if value is None:
        return None
    try:
        host, port = parse_listen_address(value)
    except ValueError as e:
        raise click.BadParameter(str(e)) from e
    return HttpAddress(host, port)


@click.command(name="serve")
@config_option
@click.option(
    "--http",
    "http",
    metavar="HOST:PORT",
    callback=_parse_http,
    help="Serve /healthz and /metrics here, e.g. 127.0.0.1:9464 (off unless set).",
)
def serve(config_path: Path, http: HttpAddress | None) -> None:
    """Run the service: watch the sources, deliver alerts and daily feeds, until stopped.

    Fetches every source at start, then keeps an IDLE watcher per IMAP source and polls
    the others on their `poll:` cron schedule (default every 10 minutes). Rule files
    are reloaded when they change (a broken edit keeps the previous rules; `mailer
    status` shows the error). SIGTERM or Ctrl-C finishes the message in hand and exits
    0. On PostgreSQL several `mailer serve` replicas share the state: one leads (fetches,
    daily feeds), the others stand by, deliver from the outbox and take over within
    15 s (`/healthz` and `mailer status` show the roles). On SQLite a second one
    refuses to start (exit 2). A service that cannot go on (its scheduler died, it
    lost its SQLite lock) exits 1.

    \b
    Examples:
      mailer serve
      mailer serve --config /etc/paper-mailer/mailer.yaml --http 127.0.0.1:9464
      curl -s localhost:9464/healthz
    """
    run_service(load_settings_or_exit(config_path), SERVE, http)


def run_service(settings: Settings, preset: Preset, http: HttpAddress | None = None) -> None:
    """Run the service in the foreground until SIGTERM or Ctrl-C; exit 1 when it could
    not go on (ServiceFailure), 2 when it could not start."""
    service = Service(settings, http=http, preset=preset)
    before = set(threading.enumerate())  # an in-process caller's own threads are its own

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s: stopping", signal.Signals(signum).name)
        service.request_stop()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        service.run()  # AlreadyRunningError, RulesUnavailable, StoreError, ConfigError: exit 2
    except OSError as e:  # --http cannot listen there
        click.echo(f"error: {e}", err=True)
        raise SystemExit(EXIT_CONFIG) from e
    except ServiceFailure as e:  # stopped cleanly; exit 1 so a supervisor restarts it
        click.echo(f"error: {e}", err=True)
        _exit_now_if_threads_linger(EXIT_FAILURES, besides=before)
        raise SystemExit(EXIT_FAILURES) from e
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    _exit_now_if_threads_linger(EXIT_OK, besides=before)


def _exit_now_if_threads_linger(code: int, besides: set[threading.Thread] | None = None) -> None:
    """A job stuck in a network read must not hold the exit past the promised 10 s:
    everything durable is committed by now, so leave without waiting for it. Threads
    in `besides` (there before the service started) are not the service's."""
    others = [
        t
        for t in threading.enumerate()
        if t is not threading.main_thread() and not t.daemon and t not in (besides or set())
    ]
    deadline = time.monotonic() + 1.0  # idle pool threads end within moments
    for thread in others:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    stuck = [t for t in others if t.is_alive()]
    if stuck:
        log.warning("exiting with %d worker thread(s) still busy", len(stuck))
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
