"""`mailer watch`: the service (`mailer serve`) in the foreground with the `WATCH` preset."""

from __future__ import annotations

from pathlib import Path

import click

from mailer.commands.common import config_option, load_settings_or_exit


@click.command(name="watch")
@config_option
def watch(config_path: Path) -> None:
    """Watch every source and deliver alerts as soon as a digest arrives.

    The service of `mailer serve` with a preset for the foreground: IMAP sources are
    watched with IDLE (servers without it are polled every `sweep_seconds`), other
    sources are polled every minute unless they set `poll:`. Immediate alerts leave as
    each message is stored, daily feeds at their time. Stops cleanly on Ctrl-C or
    SIGTERM, finishing the message in hand (exit status 0); exits with status 1 if a
    watcher stops on an unexpected error, so a supervisor restarts it. For /healthz,
    /metrics and several replicas, run `mailer serve`.

    \b
    Example:
      mailer watch --config config/mailer.yaml
    """
    from mailer.commands.serve import run_service
    from mailer.runtime.service import WATCH

    settings = load_settings_or_exit(config_path)
    click.echo(f"watching {len(settings.sources)} source(s); Ctrl-C to stop", err=True)
    run_service(settings, WATCH)
