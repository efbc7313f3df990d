"""`mailer status`: what the store knows, at a glance (or as JSON)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from mailer.commands.common import config_option, json_option, load_settings_or_exit
from mailer.commands.pipeline_cli import open_store_or_exit
from mailer.core.clock import utc_now
from mailer.runtime.status_report import StatusReport, collect_status


def format_status(report: StatusReport) -> str:
    return "\n".join(report.lines())


@click.command(name="status")
@config_option
@json_option
def status(config_path: Path, as_json: bool) -> None:
    """Show what was processed and delivered: per source, today, per rule, the outbox,
    and recent failures with their reasons.

    \b
    Examples:
      mailer status
      mailer status --json --config config/mailer.yaml
    """
    settings = load_settings_or_exit(config_path)
    store = open_store_or_exit(settings)
    try:
        report = collect_status(store, settings, utc_now())
    finally:
        store.close()
    click.echo(
        json.dumps(report.to_json(), indent=2, ensure_ascii=False)
        if as_json
        else format_status(report)
    )
