"""Opening the pipeline or the store for a command: every expected failure becomes a
clear message and an exit code (2 for an unusable config, rules or state database; 1
when the database fails in the middle of a command)."""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import click
from sqlalchemy.exc import SQLAlchemyError

from mailer.app import Pipeline, RulesUnavailable
from mailer.commands.common import EXIT_CONFIG, EXIT_FAILURES, load_settings_or_exit
from mailer.config import ConfigError, Settings
from mailer.store import Store, StoreError, describe_error


def open_pipeline_or_exit(
    config_path: Path, *, partial_rules: bool = False, dry_run: bool = False
) -> Pipeline:
    """The pipeline; with `partial_rules` rules with errors are left out (the run
    reports them and exits 1) unless no rule loads at all."""
    settings = load_settings_or_exit(config_path)
    try:
        return Pipeline.open(settings, partial_rules=partial_rules, dry_run=dry_run)
    except RulesUnavailable as e:
        for error in e.errors:
            click.echo(f"error: {error}", err=True)
        click.echo("error: fix the rules above (check them with `mailer rules check`)", err=True)
        raise SystemExit(EXIT_CONFIG) from e
    except (StoreError, ConfigError) as e:
        click.echo(f"error: {e}", err=True)
        raise SystemExit(EXIT_CONFIG) from e


def open_store_or_exit(settings: Settings) -> Store:
    try:
        return Store.open(settings.state)
    except StoreError as e:
        click.echo(f"error: {e}", err=True)
        raise SystemExit(EXIT_CONFIG) from e


def exit_for_database_failure(error: SQLAlchemyError) -> NoReturn:
    """The state database failed mid-command: one line, exit 1 (what was committed stays)."""
    click.echo(
        f"error: the state database failed: {describe_error(error)}; nothing is lost, run again",
        err=True,
    )
    raise SystemExit(EXIT_FAILURES) from error
