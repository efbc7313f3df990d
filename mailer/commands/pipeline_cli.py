"""Opening the pipeline or the store for a command. An unusable config, rules or state
database raises a product error that mailer.cli turns into its message and exit 2; a
database failing in the middle of a command is one line and exit 1."""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

from sqlalchemy.exc import SQLAlchemyError

from mailer.commands.common import load_settings_or_exit
from mailer.config.settings import Settings
from mailer.runtime.app import Pipeline
from mailer.store import Store
from mailer.store.db import DatabaseFailure


def open_pipeline_or_exit(
    config_path: Path, *, partial_rules: bool = False, dry_run: bool = False
) -> Pipeline:
    """The pipeline; with `partial_rules` rules with errors are left out (the run
    reports them and exits 1) unless no rule loads at all."""
    settings = load_settings_or_exit(config_path)
    # RulesUnavailable, StoreError and ConfigError stop the command: mailer.cli shows
    # them and exits 2
    return Pipeline.open(settings, partial_rules=partial_rules, dry_run=dry_run)


def open_store_or_exit(settings: Settings) -> Store:
    """The store; a StoreError stops the command (mailer.cli shows it and exits 2)."""
    return Store.open(settings.state)


def exit_for_database_failure(error: SQLAlchemyError) -> NoReturn:
    """The state database failed mid-command: one line, exit 1 (what was committed
    stays), shown by mailer.cli like any product error."""
    raise DatabaseFailure.wrapping(error) from error
