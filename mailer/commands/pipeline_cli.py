"""Opening the pipeline for a command: every expected failure becomes a clear message
and an exit code (2 for an unusable config, rules or state database)."""

from __future__ import annotations

from pathlib import Path

import click

from mailer.app import Pipeline, RulesUnavailable
from mailer.commands.common import EXIT_CONFIG, load_settings_or_exit
from mailer.config import ConfigError, Settings
from mailer.store import Store, StoreError


def open_pipeline_or_exit(config_path: Path) -> Pipeline:
    settings = load_settings_or_exit(config_path)
    try:
        return Pipeline.open(settings)
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
