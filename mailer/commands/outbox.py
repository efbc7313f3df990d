"""`mailer outbox` lists alerts waiting or given up on; `mailer outbox retry` requeues."""

from __future__ import annotations

import logging
from pathlib import Path

import click
from sqlalchemy.exc import SQLAlchemyError

from mailer.commands.common import (
    EXIT_FAILURES,
    config_option,
    echo_json,
    json_option,
    load_settings_or_exit,
)
from mailer.commands.outbox_view import (
    ZoneFor,
    counts_line,
    entry_json,
    format_entry,
    format_group,
    group_json,
)
from mailer.commands.pipeline_cli import exit_for_database_failure, open_store_or_exit
from mailer.config.settings import Settings
from mailer.core.clock import utc_now

log = logging.getLogger(__name__)


def _zones(settings: Settings) -> ZoneFor:
    """The zone to show a rule's times in: its daily feed's, else the config's."""
    from mailer.rules import load_rules

    zones: dict[tuple[str, str], str] = {}
    try:
        for rule in load_rules(settings.rules).rules:
            for target in rule.notify:
                if target.mode == "daily" and target.timezone:
                    zones[(rule.name, target.to.to_str())] = str(target.timezone)
    except Exception:  # the listing must work even when the rules do not load
        log.debug("rules not loaded for time zones", exc_info=True)
    return lambda rule, destination: zones.get((rule, destination), settings.timezone)


@click.group(name="outbox", invoke_without_command=True)
@config_option
@click.option("--all", "show_all", is_flag=True, help="One line per alert instead of groups.")
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=200,
    show_default=True,
    help="With --all: show at most this many alerts.",
)
@json_option
@click.pass_context
def outbox(
    ctx: click.Context, config_path: Path, show_all: bool, limit: int, as_json: bool
) -> None:
    """Show alerts that are pending, retrying or dead: grouped by rule, destination,
    state and reason, with counts, when they were enqueued and when they are due.

    `pending` alerts wait for their time (a daily feed), `retrying` ones failed and are
    tried again with backoff, `dead` ones were given up on (requeue them with
    `mailer outbox retry`). Times are in the rule's feed time zone, else the config's.

    \b
    Examples:
      mailer outbox
      mailer outbox --all --limit 50
      mailer outbox --json | jq 'select(.state == "dead")'
      mailer outbox retry --all
    """
    if ctx.invoked_subcommand is not None:
        return
    settings = load_settings_or_exit(config_path)
    store = open_store_or_exit(settings)
    now = utc_now()
    try:
        entries = store.list_outbox(limit=limit) if show_all else []
        groups = [] if show_all else store.outbox_groups()
        counts = store.outbox_counts()
    except SQLAlchemyError as e:
        exit_for_database_failure(e)
    finally:
        store.close()
    zone_of = _zones(settings)
    if as_json:
        for entry in entries:
            echo_json(entry_json(entry, zone_of(entry.rule, entry.destination)))
        for group in groups:
            echo_json(group_json(group, zone_of(group.rule, group.destination)))
        return
    for entry in entries:
        click.echo(format_entry(entry, zone_of(entry.rule, entry.destination), now))
    for group in groups:
        click.echo(format_group(group, zone_of(group.rule, group.destination), now))
    if show_all and len(entries) == limit:
        click.echo(f"(the first {limit}; see more with --limit)")
    click.echo(counts_line(counts))


@outbox.command(name="retry")
@config_option
@click.option("--all", "retry_all", is_flag=True, help="Requeue every dead alert.")
@click.argument("ids", nargs=-1, type=int)
@json_option
def retry(config_path: Path, retry_all: bool, ids: tuple[int, ...], as_json: bool) -> None:
    """Requeue dead alerts (by id, as `mailer outbox --all` shows them, or --all); they are
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
        count = store.requeue_dead(None if retry_all else list(ids), utc_now())
    except SQLAlchemyError as e:
        exit_for_database_failure(e)
    finally:
        store.close()
    if as_json:
        echo_json({"requeued": count, "missing": max(len(ids) - count, 0) if ids else 0})
    else:
        click.echo(f"requeued {count} dead alert(s); they go out on the next run")
    if ids and count < len(ids):
        click.echo("some ids were not dead alerts (see `mailer outbox`)", err=True)
        raise SystemExit(EXIT_FAILURES)
