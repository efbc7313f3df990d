"""`mailer run` and `mailer replay MESSAGE_ID`."""

from __future__ import annotations

import contextlib
import sys
from contextlib import nullcontext
from datetime import date, datetime
from pathlib import Path

import click
from sqlalchemy.exc import SQLAlchemyError

from mailer.commands.common import EXIT_FAILURES, EXIT_OK, config_option, echo_json, json_option
from mailer.commands.fetch_progress import fetch_progress
from mailer.commands.pipeline_cli import exit_for_database_failure, open_pipeline_or_exit
from mailer.notify.render import render_text
from mailer.runtime.delivery import DeliverySummary
from mailer.runtime.parse_worker import ParseBudget


def _parse_day(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as e:
        raise click.BadParameter(f"{value!r} is not a date like 2025-10-14") from e


@click.command(name="run")
@config_option
@click.option("--once", is_flag=True, hidden=True, help="Accepted for old scripts: run runs once.")
@click.option(
    "--dry-run", is_flag=True, help="Parse and match, show what would be sent; record nothing."
)
@click.option(
    "--since",
    metavar="DATE",
    callback=_parse_day,
    help="Process again every message whose Date header is on or after DATE (YYYY-MM-DD); "
    "IMAP sources search the mailbox with SINCE DATE.",
)
@json_option
def run(config_path: Path, once: bool, dry_run: bool, since: date | None, as_json: bool) -> None:
    """Fetch new newsletters, parse, match the rules, enqueue and deliver alerts, once.

    Prints a summary such as `3 emails, 187 papers, 12 matches, 12 alerts sent,
    0 retrying, 0 dead`. Alerts go out once per rule, paper and destination: a second
    run sends nothing new. For the long-running service use `mailer serve`.

    \b
    Exit status (for cron, systemd timers and CI):
      0  all good; emails that fail to parse are listed and recorded
      1  an alert failed or died in this run, a source could not be read, or a
         rule has an error (it is listed; the other rules ran)
      2  nothing was done: bad config, no usable rules, state database unusable

    \b
    Examples:
      mailer run
      mailer run --dry-run
      mailer run --since 2025-10-01 --config config/mailer.yaml
      mailer run --json | jq .alerts
    """
    del once  # accepted for old scripts: run always runs once
    pipeline = open_pipeline_or_exit(config_path, partial_rules=True, dry_run=dry_run)
    try:
        # with --json, alerts printed by a console destination go to stderr: stdout is
        # one JSON object
        console_out = contextlib.redirect_stdout(sys.stderr) if as_json else nullcontext()
        with console_out, fetch_progress(pipeline):  # bar on a terminal, lines otherwise
            summary = pipeline.run_once(since=since, dry_run=dry_run)
    except SQLAlchemyError as e:
        exit_for_database_failure(e)
    finally:
        pipeline.close()
    if as_json:
        echo_json(summary.to_json())
        raise SystemExit(summary.exit_status)
    for batch in summary.previews:
        click.echo(f"--- would send to {batch.destination} ({batch.rule}) ---")
        click.echo(render_text(batch))
    click.echo(str(summary))
    raise SystemExit(summary.exit_status)


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
@json_option
def replay(
    config_path: Path,
    message_id: str,
    no_deliver: bool,
    seconds: float | None,
    memory_mb: int | None,
    as_json: bool,
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
    delivery = DeliverySummary()
    try:
        try:
            console_out = contextlib.redirect_stdout(sys.stderr) if as_json else nullcontext()
            with console_out:
                outcomes = pipeline.replay(message_id, budget=budget)
                if not no_deliver:
                    delivery = pipeline.deliver_due(datetime.now().astimezone())
        except LookupError as e:
            click.echo(f"error: {e} (see `mailer status` for recent messages)", err=True)
            raise SystemExit(EXIT_FAILURES) from e
    except SQLAlchemyError as e:
        exit_for_database_failure(e)
    finally:
        pipeline.close()
    status = EXIT_FAILURES if delivery.failed else EXIT_OK
    if as_json:
        echo_json(
            {
                "messages": [
                    {
                        "source": o.source,
                        "uid": o.uid,
                        "message_id": o.message_id,
                        "status": o.status,
                        "reason": o.reason,
                        "papers": o.papers,
                        "matches": o.matches,
                        "new_alerts": o.new_alerts,
                    }
                    for o in outcomes
                ],
                "delivered": not no_deliver,
                "alerts": {
                    "sent": delivery.sent,
                    "retrying": delivery.retrying,
                    "dead": delivery.dead,
                },
                "delivery_errors": delivery.errors,
                "exit_status": status,
            }
        )
        raise SystemExit(status)
    for outcome in outcomes:
        click.echo(
            f"{outcome.describe()}: {outcome.papers} papers, {outcome.matches} matches, "
            f"{outcome.new_alerts} new alerts"
        )
    if not no_deliver:
        click.echo(
            f"{delivery.sent} alerts sent, {delivery.retrying} retrying, {delivery.dead} dead"
        )
        for error in delivery.errors:
            click.echo(f"  delivery: {error}")
    raise SystemExit(status)
