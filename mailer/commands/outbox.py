"""`mailer outbox` lists alerts waiting or given up on; `mailer outbox retry` requeues."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
from sqlalchemy.exc import SQLAlchemyError

from mailer.commands.common import EXIT_FAILURES, config_option, load_settings_or_exit
from mailer.commands.pipeline_cli import exit_for_database_failure, open_store_or_exit
from mailer.store import OutboxEntry


def format_entry(entry: OutboxEntry) -> str:
    when = (
        f"next try {entry.next_attempt_at:%Y-%m-%d %H:%M}Z"
        if entry.state != "dead"
        else f"after {entry.attempts} attempts"
    )
    line = (
        f"#{entry.id} {entry.state:7} {entry.rule} -> {entry.destination} "
        f"[{entry.batch_key}] {entry.paper_id} {entry.title[:60]!r} ({when})"
    )
    return f"{line}\n    reason: {entry.last_error}" if entry.last_error else line


@click.group(name="outbox", invoke_without_command=True)
@config_option
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=200,
    show_default=True,
    help="Show at most this many alerts.",
)
@click.pass_context
def outbox(ctx: click.Context, config_path: Path, limit: int) -> None:
    """List alerts that are pending, retrying or dead, with the reason of the last failure.

    \b
    Examples:
      mailer outbox
      mailer outbox retry --all
      mailer outbox retry 12 13
    """
    if ctx.invoked_subcommand is not None:
        return
    settings = load_settings_or_exit(config_path)
    store = open_store_or_exit(settings)
    try:
        entries = store.list_outbox(limit=limit)
        counts = store.outbox_counts()
    except SQLAlchemyError as e:
        exit_for_database_failure(e)
    finally:
        store.close()
    for entry in entries:
        click.echo(format_entry(entry))
    click.echo(
        f"{counts['pending']} pending, {counts['failed']} retrying, {counts['dead']} dead, "
        f"{counts['sent']} sent"
    )


@outbox.command(name="retry")
@config_option
@click.option("--all", "retry_all", is_flag=True, help="Requeue every dead alert.")
@click.argument("ids", nargs=-1, type=int)
def retry(config_path: Path, retry_all: bool, ids: tuple[int, ...]) -> None:
    """Requeue dead alerts (by id, as `mailer outbox` shows them, or --all); they are
    delivered on the next run, with a fresh count of attempts.

    \b
    Example:
      mailer outbox retry --all
    """
    if not retry_all and not ids:
        raise click.UsageError("give alert ids (see `mailer outbox`) or --all")
    settings = load_settings_or_exit(config_path)
    store = open_store_or_exit(settings)
    try:
        count = store.requeue_dead(None if retry_all else list(ids), datetime.now(UTC))
    except SQLAlchemyError as e:
        exit_for_database_failure(e)
    finally:
        store.close()
    click.echo(f"requeued {count} dead alert(s); they go out on the next run")
    if ids and count < len(ids):
        click.echo("some ids were not dead alerts (see `mailer outbox`)", err=True)
        raise SystemExit(EXIT_FAILURES)
