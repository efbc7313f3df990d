"""`mailer run --once` and `mailer replay MESSAGE_ID`."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click
from sqlalchemy.exc import SQLAlchemyError

from mailer.commands.common import EXIT_FAILURES, config_option
from mailer.commands.fetch_progress import fetch_progress
from mailer.commands.pipeline_cli import exit_for_database_failure, open_pipeline_or_exit
from mailer.notify.render import render_text
from mailer.parse_worker import ParseBudget


def _parse_day(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as e:
        raise click.BadParameter(f"{value!r} is not a date like 2025-10-14") from e


@click.command(name="run")
@config_option
@click.option("--once", is_flag=True, help="Run the main job once and exit (required for now).")
@click.option(
    "--dry-run", is_flag=True, help="Parse and match, show what would be sent; record nothing."
)
@click.option(
    "--since",
    metavar="DATE",
    callback=_parse_day,
    help="Process again every message whose Date header is on or after DATE (YYYY-MM-DD).",
)
def run(config_path: Path, once: bool, dry_run: bool, since: date | None) -> None:
    """Fetch new newsletters, parse, match the rules, enqueue and deliver alerts.

    Prints a summary such as `3 emails, 187 papers, 12 matches, 12 alerts sent,
    0 failed`. Alerts go out once per rule, paper and destination: a second run
    sends nothing new. Emails that fail to parse are listed and the exit code stays
    0; a source that cannot be read (login, network, folder) makes it 1, so cron and
    CI notice. For the long-running service use `mailer serve`.

    \b
    Examples:
      mailer run --once
      mailer run --once --dry-run
      mailer run --once --since 2025-10-01 --config config/mailer.yaml
    """
    if not once:
        raise click.UsageError("add --once (the service that keeps running is `mailer serve`)")
    pipeline = open_pipeline_or_exit(config_path)
    try:
        with fetch_progress(pipeline):  # count and rate per source, on a terminal
            summary = pipeline.run_once(since=since, dry_run=dry_run)
    except SQLAlchemyError as e:
        exit_for_database_failure(e)
    finally:
        pipeline.close()
    for batch in summary.previews:
        click.echo(f"--- would send to {batch.destination} ({batch.batch_key}) ---")
        click.echo(render_text(batch))
    click.echo(str(summary))
    if summary.source_failures:
        raise SystemExit(EXIT_FAILURES)


@click.command(name="replay")
@config_option
@click.argument("message_id")
@click.option("--no-deliver", is_flag=True, help="Enqueue only; deliver on the next run.")
@click.option(
    "--seconds",
    type=click.FloatRange(min=0, min_open=True),
    help="Parse time budget for this replay (default: budget.seconds in the config).",
)
@click.option(
    "--memory-mb",
    type=click.IntRange(min=16),
    help="Parse memory budget in MB for this replay (default: budget.memory_mb).",
)
def replay(
    config_path: Path,
    message_id: str,
    no_deliver: bool,
    seconds: float | None,
    memory_mb: int | None,
) -> None:
    """Process a stored message again by its Message-ID (e.g. after changing rules,
    or a quarantined message with a larger parse budget).

    Alerts already sent for a rule, paper and destination are not sent again; new
    matches are enqueued and delivered.

    \b
    Examples:
      mailer replay '<20251014.hf-daily@huggingface.co>'
      mailer replay '<big@example.com>' --seconds 120 --memory-mb 1024
    """
    pipeline = open_pipeline_or_exit(config_path)
    configured = pipeline.parser.budget
    budget = ParseBudget(seconds or configured.seconds, memory_mb or configured.memory_mb)
    try:
        try:
            outcomes = pipeline.replay(message_id, budget=budget)
        except LookupError as e:
            click.echo(f"error: {e} (see `mailer status` for recent messages)", err=True)
            raise SystemExit(EXIT_FAILURES) from e
        for outcome in outcomes:
            click.echo(
                f"{outcome.describe()}: {outcome.papers} papers, {outcome.matches} matches, "
                f"{outcome.new_alerts} new alerts"
            )
        if not no_deliver:
            delivery = pipeline.deliver_due(datetime.now().astimezone())
            click.echo(f"{delivery.sent} alerts sent, {delivery.failed} failed")
            for error in delivery.errors:
                click.echo(f"  delivery: {error}")
    except SQLAlchemyError as e:
        exit_for_database_failure(e)
    finally:
        pipeline.close()
