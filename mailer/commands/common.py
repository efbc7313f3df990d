"""Helpers every subcommand shares: --config, loading settings, exit codes."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from mailer.config import DEFAULT_CONFIG, ConfigError, Settings, load_settings

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK = 0
EXIT_FAILURES = 1  # e.g. `rules check` found errors
EXIT_CONFIG = 2  # unreadable config or rules: nothing was done


def config_option(func: F) -> F:
    return click.option(
        "--config",
        "config_path",
        type=click.Path(path_type=Path, dir_okay=False),
        default=DEFAULT_CONFIG,
        show_default=True,
        help="The YAML config file.",
    )(func)


def load_settings_or_exit(path: Path) -> Settings:
    """Load the config, or print every problem and exit 2."""
    try:
        return load_settings(path, os.environ)
    except ConfigError as e:
        for problem in e.problems:
            click.echo(f"error: {problem}", err=True)
        raise SystemExit(EXIT_CONFIG) from e
